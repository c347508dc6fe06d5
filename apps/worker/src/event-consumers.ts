import { COACH_CONSUMER } from './coach/coach-planner.consumer';
import { COACH_WORDING_CONSUMER } from './coach/coach-wording.consumer';
import { LEARNING_CONSUMER } from './learning/learning-projection.service';
import { PLAN_FEEDBACK_CONSUMER } from './learning/plan-feedback.consumer';
import { TASK_PREDICTIONS_CONSUMER } from './tasks/task-predictions.consumer';

/**
 * Every subscription the worker opens on the event transport: each is a queue
 * `<EVENT_EXCHANGE_NAME>.<name>` (and `.dead`) on RabbitMQ. Tools that remove a deployment's or a
 * test run's topology delete these (load-tests/bench/run.mjs keeps its own copy of the list).
 */
export const EVENT_CONSUMERS = [LEARNING_CONSUMER, TASK_PREDICTIONS_CONSUMER, COACH_CONSUMER, COACH_WORDING_CONSUMER, PLAN_FEEDBACK_CONSUMER] as const;

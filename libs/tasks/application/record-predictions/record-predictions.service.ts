import { Inject, Injectable } from '@nestjs/common';
import { READ_CACHE, type ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { isUuid } from '@ln/kernel/domain/uuid';
import { TASK_SCORES_CHANGED, type TaskScoresChangedPayload } from '@ln/learning/contracts/task-scores.contract';
import { TASK_PREDICTIONS, type TaskFactor, type TaskPrediction, type TaskPredictions } from '../ports/task-predictions.port';

/** The event types this consumer takes. */
export const PREDICTION_EVENT_TYPES = [TASK_SCORES_CHANGED] as const;

const MAX_FACTORS = 3;
const MAX_FACTOR_TEXT = 300;

const isFactor = (f: unknown): f is TaskFactor =>
  typeof f === 'object' && f !== null &&
  typeof (f as TaskFactor).text === 'string' && (f as TaskFactor).text.length <= MAX_FACTOR_TEXT &&
  ((f as TaskFactor).effect === 'helps' || (f as TaskFactor).effect === 'hurts');

const isPrediction = (s: unknown): s is TaskPrediction =>
  typeof s === 'object' && s !== null &&
  typeof (s as TaskPrediction).taskId === 'string' && isUuid((s as TaskPrediction).taskId) &&
  typeof (s as TaskPrediction).successProbability === 'number' &&
  (s as TaskPrediction).successProbability >= 0 && (s as TaskPrediction).successProbability <= 1 &&
  Array.isArray((s as TaskPrediction).factors) && (s as TaskPrediction).factors.length <= MAX_FACTORS &&
  (s as TaskPrediction).factors.every(isFactor);

/**
 * The payload, checked: a malformed one is refused (the event dead-letters) rather than shown to a
 * user or left to fail in the store, where a task id that is not a UUID, or one scored twice in an
 * event (the upsert cannot touch a row twice), would fail at every retry.
 */
export function predictionsOf(event: DomainEvent): TaskScoresChangedPayload {
  if (event.type !== TASK_SCORES_CHANGED) throw new TypeError(`not a ${TASK_SCORES_CHANGED} event: ${event.type}`);
  if (!Number.isInteger(event.version) || event.version < 1) throw new TypeError(`${TASK_SCORES_CHANGED} without a model version`);
  if (typeof event.payload !== 'object' || event.payload === null || Array.isArray(event.payload)) throw new TypeError(`${TASK_SCORES_CHANGED} without a payload`);
  const p = event.payload as Partial<TaskScoresChangedPayload>;
  if (!Array.isArray(p.scores) || !p.scores.every(isPrediction)) throw new TypeError(`${TASK_SCORES_CHANGED} with malformed scores`);
  if (new Set(p.scores.map((s) => s.taskId.toLowerCase())).size !== p.scores.length) throw new TypeError(`${TASK_SCORES_CHANGED} scoring a task twice`);
  if (!Array.isArray(p.removed) || !p.removed.every((id) => typeof id === 'string' && isUuid(id))) throw new TypeError(`${TASK_SCORES_CHANGED} with malformed removals`);
  return { scores: p.scores, removed: p.removed };
}

/**
 * Keeps the task context's copy of its open tasks' predictions, from what the learning context
 * publishes; its reads show them. Runs in the caller's unit of work (the event inbox's); after the
 * commit the owner's cached task reads are stale.
 */
@Injectable()
export class RecordTaskPredictions {
  constructor(
    @Inject(TASK_PREDICTIONS) private readonly predictions: TaskPredictions,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
  ) {}

  async record(event: DomainEvent): Promise<void> {
    const { scores, removed } = predictionsOf(event);
    if (scores.length === 0 && removed.length === 0) return;
    await this.predictions.record(event.userId, event.version, scores, removed);
    await this.uow.afterCommit(() => this.cache.invalidate(event.userId));
  }
}

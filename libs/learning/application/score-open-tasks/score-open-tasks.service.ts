import { Inject, Injectable } from '@nestjs/common';
import { planByDay } from '../../domain/insights';
import { SuccessModel } from '../../domain/success-model';
import type { TrackedTask } from '../../domain/tracked-task.value-object';
import { LEARNING_HISTORY, type LearningHistory, type TaskScore } from '../ports/learning-history.port';

/**
 * Keeps a prediction for every open task, computed when the task or the user's model changes and
 * stored, never per read. The model is a function of the user's grouped counts and the
 * population's (ADR 16), so "the model changed" means an outcome changed those counts.
 */
@Injectable()
export class ScoreOpenTasks {
  constructor(@Inject(LEARNING_HISTORY) private readonly history: LearningHistory) {}

  /**
   * Re-scores the user's open tasks (all of them, or only `tasks`), and forgets the predictions of
   * `closed` tasks. Runs in the caller's unit of work. Returns how many were scored.
   */
  async rescore(userId: string, options: { tasks?: readonly TrackedTask[]; closed?: readonly string[] } = {}): Promise<number> {
    // Nothing to score (a closed or deleted task's own event): no model to build, no counts to read.
    if (options.tasks && !options.tasks.some((t) => t.status === 'open')) {
      await this.history.saveScores(userId, [], options.closed ?? []);
      return 0;
    }
    const [cells, population, tasks] = await Promise.all([
      this.history.cells(userId, {}),
      this.history.population(),
      options.tasks ? Promise.resolve(options.tasks) : this.history.openTasks(userId),
    ]);
    const model = SuccessModel.build(cells, population);
    const plan = planByDay(cells);
    const scores: TaskScore[] = tasks
      .filter((t) => t.status === 'open')
      .map((t) => {
        const prediction = model.predict(t, t.scheduledDate ? (plan.get(t.scheduledDate)?.n ?? null) : null);
        return { taskId: t.taskId, probability: prediction.probability, factors: prediction.factors.map((f) => ({ text: f.text, effect: f.effect })) };
      });
    await this.history.saveScores(userId, scores, options.closed ?? []);
    return scores.length;
  }
}

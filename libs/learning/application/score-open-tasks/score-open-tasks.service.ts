import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { SuccessModel } from '../../domain/success-model';
import type { TrackedTask } from '../../domain/tracked-task.value-object';
import {
  MAX_SCORES_PER_EVENT,
  type PublishedScore,
  SUCCESS_MODEL_AGGREGATE,
  TASK_SCORES_CHANGED,
  type TaskScoresChangedPayload,
} from '../../contracts/task-scores.contract';
import { LEARNING_HISTORY, type LearningHistory, type TaskScore } from '../ports/learning-history.port';

/** A prediction as users see it (and as it is published): two decimals, factors as words and a direction. */
export function publishedScore(score: TaskScore): PublishedScore {
  return {
    taskId: score.taskId,
    successProbability: Math.round(score.probability * 100) / 100,
    factors: score.factors.map((f) => ({ text: f.text, effect: f.effect < 0 ? 'hurts' : 'helps' })),
  };
}

const shownAlike = (a: PublishedScore, b: PublishedScore) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Keeps a prediction for every open task, computed when the task or the user's model changes and
 * stored, never per read. The model is a function of the user's grouped counts and the
 * population's (ADR 16), so "the model changed" means an outcome changed those counts. What
 * changes as a user would see it is published (`learning.task-scores.v1`, through the outbox in
 * the same transaction) for the contexts that show it.
 */
@Injectable()
export class ScoreOpenTasks {
  constructor(
    @Inject(LEARNING_HISTORY) private readonly history: LearningHistory,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /**
   * Re-scores the user's open tasks (all of them, or only `tasks`), and forgets the predictions of
   * `closed` tasks. Runs in the caller's unit of work. Returns how many were scored.
   */
  async rescore(userId: string, options: { tasks?: readonly TrackedTask[]; closed?: readonly string[] } = {}): Promise<number> {
    const closed = options.closed ?? [];
    // Nothing to score (a closed or deleted task's own event): no model to build, no counts to read.
    if (options.tasks && !options.tasks.some((t) => t.status === 'open')) {
      await this.save(userId, [], closed, closed.length > 0 ? await this.history.scoresOf(userId, closed) : new Map());
      return 0;
    }
    const only = options.tasks?.filter((t) => t.status === 'open');
    // The user's all-time totals and the population's: a bounded read, however long the history.
    // One after the other: this runs in the caller's transaction, whose one connection would queue
    // them anyway (and pg deprecates queries sent concurrently on one client).
    const totals = await this.history.totals(userId);
    const population = await this.history.population();
    const tasks = only ?? (await this.history.openTasks(userId));
    const before = await this.history.scoresOf(userId, only ? [...only.map((t) => t.taskId), ...closed] : undefined);
    const open = tasks.filter((t) => t.status === 'open');
    // The loads of the days the scored tasks are on.
    const plan = await this.history.plan(userId, [...new Set(open.flatMap((t) => (t.scheduledDate ? [t.scheduledDate] : [])))]);
    const model = SuccessModel.build(totals, population);
    const scores: TaskScore[] = open.map((t) => {
      const prediction = model.predict(t, t.scheduledDate ? (plan.get(t.scheduledDate)?.n ?? null) : null);
      return { taskId: t.taskId, probability: prediction.probability, factors: prediction.factors.map((f) => ({ text: f.text, effect: f.effect })) };
    });
    await this.save(userId, scores, closed, before);
    return scores.length;
  }

  /** Stores the predictions, and publishes those that changed as shown, and the removed ones. */
  private async save(userId: string, scores: readonly TaskScore[], closed: readonly string[], before: ReadonlyMap<string, TaskScore>): Promise<void> {
    const changed = scores.map(publishedScore).filter((s) => {
      const old = before.get(s.taskId);
      return !old || !shownAlike(s, publishedScore(old));
    });
    // Only a prediction someone could have seen is withdrawn.
    const removed = closed.filter((id) => before.has(id));
    const payloads: TaskScoresChangedPayload[] = [];
    for (let i = 0; i < changed.length; i += MAX_SCORES_PER_EVENT) payloads.push({ scores: changed.slice(i, i + MAX_SCORES_PER_EVENT), removed: [] });
    if (removed.length > 0) {
      if (payloads.length === 0) payloads.push({ scores: [], removed });
      else payloads[payloads.length - 1] = { ...payloads[payloads.length - 1], removed };
    }
    let events: DomainEvent[] = [];
    if (payloads.length > 0) {
      const first = await this.history.nextModelVersions(userId, payloads.length);
      const at = this.clock.now().toISOString();
      events = payloads.map((payload, i) => ({
        eventId: this.ids.next(),
        type: TASK_SCORES_CHANGED,
        aggregateType: SUCCESS_MODEL_AGGREGATE,
        aggregateId: userId,
        userId,
        version: first + i,
        occurredAt: at,
        payload: payload as unknown as Record<string, unknown>,
      }));
    }
    await this.history.saveScores(userId, scores, closed, events);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { READ_CACHE, type ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { contributionChange } from '../../domain/tracked-task.value-object';
import { LEARNING_HISTORY, type LearningHistory } from '../ports/learning-history.port';
import { LEARNING_OWNERS, type LearningOwners } from '../ports/owner-clock.port';
import { ScoreOpenTasks } from '../score-open-tasks/score-open-tasks.service';
import { recordChange } from './record-change';
import { trackedAfter } from './tracked-from-events';

/**
 * The history projection: each task event replaces the task's contribution to its owner's (and
 * the population's) grouped counts. Constant work per event: the task's old and new cells, the
 * touched days' loads and all-time totals, never a rescan. Runs inside the event inbox's transaction (one effect per event id); an event older
 * than what was already applied for its task (a replay, or a redelivery out of order) changes
 * nothing. The owner's open tasks are scored again when their model changed (ScoreOpenTasks).
 * After the commit the owner's cached insights are stale.
 */
@Injectable()
export class ProjectTaskEvents {
  constructor(
    @Inject(LEARNING_HISTORY) private readonly history: LearningHistory,
    @Inject(LEARNING_OWNERS) private readonly owners: LearningOwners,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly scoring: ScoreOpenTasks,
  ) {}

  async project(event: DomainEvent): Promise<boolean> {
    const known = await this.history.tracked(event.aggregateId);
    if (known && event.version <= known.version) return false;
    const timezone = (await this.owners.timezoneOf(event.userId)) ?? 'UTC';
    const before = known?.task ?? null;
    const after = trackedAfter(before, event, timezone);
    if (after === undefined) return false;
    const change = contributionChange(before, after);
    await recordChange(this.history, event.userId, event.aggregateId, { task: after, version: event.version }, change);
    // An outcome changed the user's counts, so the model: every open task is scored again.
    // Otherwise only this task's own facts changed: it alone is (its day's load for the others
    // is caught up at the next outcome).
    const modelChanged = change.some((c) => c.dimension !== 'plan' || c.done !== 0 || c.failed !== 0);
    const closed = after?.status === 'open' ? [] : [event.aggregateId];
    if (modelChanged) await this.scoring.rescore(event.userId, { closed });
    else await this.scoring.rescore(event.userId, { tasks: after?.status === 'open' ? [after] : [], closed });
    await this.uow.afterCommit(() => this.cache.invalidate(event.userId));
    return true;
  }
}

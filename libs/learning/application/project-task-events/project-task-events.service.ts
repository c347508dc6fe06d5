import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { READ_CACHE, type ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { contributionChange } from '../../domain/tracked-task.value-object';
import { LEARNING_HISTORY, type LearningHistory } from '../ports/learning-history.port';
import { LEARNING_OWNERS, type LearningOwners } from '../ports/owner-clock.port';
import { trackedAfter } from './tracked-from-events';

/**
 * The history projection: each task event replaces the task's contribution to its owner's (and
 * the population's) grouped counts. Constant work per event: the task's old and new cells, never
 * a rescan. Runs inside the event inbox's transaction (one effect per event id); an event older
 * than what was already applied for its task (a replay, or a redelivery out of order) changes
 * nothing. After the commit the owner's cached insights are stale.
 */
@Injectable()
export class ProjectTaskEvents {
  constructor(
    @Inject(LEARNING_HISTORY) private readonly history: LearningHistory,
    @Inject(LEARNING_OWNERS) private readonly owners: LearningOwners,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
  ) {}

  async project(event: DomainEvent): Promise<boolean> {
    const known = await this.history.tracked(event.aggregateId);
    if (known && event.version <= known.version) return false;
    const timezone = (await this.owners.timezoneOf(event.userId)) ?? 'UTC';
    const before = known?.task ?? null;
    const after = trackedAfter(before, event, timezone);
    if (after === undefined) return false;
    await this.history.record(event.userId, event.aggregateId, { task: after, version: event.version }, contributionChange(before, after));
    await this.uow.afterCommit(() => this.cache.invalidate(event.userId));
    return true;
  }
}

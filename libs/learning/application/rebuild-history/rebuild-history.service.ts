import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { READ_CACHE, type ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import { contributionChange } from '../../domain/tracked-task.value-object';
import { LEARNING_HISTORY, type LearningHistory } from '../ports/learning-history.port';
import { LEARNING_OWNERS, type LearningOwners } from '../ports/owner-clock.port';
import { TASK_HISTORY_SOURCE, type TaskHistorySource } from '../ports/task-history-source.port';
import { recordChange } from '../project-task-events/record-change';
import { trackedFromState } from '../project-task-events/tracked-from-events';
import { ScoreOpenTasks } from '../score-open-tasks/score-open-tasks.service';

/**
 * Rebuilds the projection from the tasks' current state, read through the task context's
 * history facade (never its tables): everything is forgotten, then every live task is tracked
 * again. Gives the same counts as the events did (a test compares them), as long as no owner
 * changed timezone in between (a rebuild reads every time in the owner's current zone).
 * Run it with the workers stopped (`npm run learning:rebuild`); it is one transaction per page.
 */
@Injectable()
export class RebuildHistory {
  constructor(
    @Inject(LEARNING_HISTORY) private readonly history: LearningHistory,
    @Inject(LEARNING_OWNERS) private readonly owners: LearningOwners,
    @Inject(TASK_HISTORY_SOURCE) private readonly tasks: TaskHistorySource,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly scoring: ScoreOpenTasks,
  ) {}

  async rebuildAll(pageSize = 500): Promise<{ tasks: number; users: number }> {
    await this.uow.run(() => this.history.forgetAll());
    const users = new Set<string>();
    const zones = new Map<string, string>();
    let after: string | undefined;
    let count = 0;
    for (;;) {
      const page = await this.tasks.page({ after, limit: pageSize });
      await this.uow.run(async () => {
        for (const task of page.items) {
          let timezone = zones.get(task.ownerId);
          if (timezone === undefined) {
            timezone = (await this.owners.timezoneOf(task.ownerId)) ?? 'UTC';
            zones.set(task.ownerId, timezone);
          }
          const tracked = trackedFromState(task, timezone);
          await recordChange(this.history, task.ownerId, task.id, { task: tracked, version: task.version }, contributionChange(null, tracked));
          users.add(task.ownerId);
        }
      });
      count += page.items.length;
      if (!page.next) break;
      after = page.next;
    }
    for (const user of users) {
      await this.uow.run(() => this.scoring.rescore(user));
      await this.cache.invalidate(user);
    }
    return { tasks: count, users: users.size };
  }
}

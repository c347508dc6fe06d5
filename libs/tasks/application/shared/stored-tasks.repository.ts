import type { Task } from '../../domain/task.aggregate';
import type { ReadCache } from '../../../kernel/application/ports/read-cache.port';
import type { StepCounts, TaskIdClaim, TaskRepository } from '../ports/task.repository.port';
import type { UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';

/**
 * Storage as a task command sees it: the repository, plus, after a save that changed something,
 * the owner's cached reads made stale once the transaction commits (inside a worker's batch, when
 * the batch commits). After the commit, so no reader can cache the state from before it under the
 * new version.
 */
export class StoredTasks implements TaskRepository {
  constructor(
    private readonly repository: TaskRepository,
    private readonly cache: ReadCache,
    private readonly uow: UnitOfWork,
  ) {}

  get(ownerId: string, id: string): Promise<Task | null> {
    return this.repository.get(ownerId, id);
  }

  claimOf(id: string): Promise<TaskIdClaim | null> {
    return this.repository.claimOf(id);
  }

  countSteps(ownerId: string, parentId: string): Promise<StepCounts> {
    return this.repository.countSteps(ownerId, parentId);
  }

  async save(task: Task, createFingerprint?: string): Promise<void> {
    const changed = task.peekEvents().length > 0;
    await this.repository.save(task, createFingerprint);
    if (changed) await this.uow.afterCommit(() => this.cache.invalidate(task.ownerId));
  }
}

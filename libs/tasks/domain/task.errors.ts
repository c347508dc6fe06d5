import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { TASK_LIMITS } from './task-details.value-object';

/** Completing, failing, postponing or dropping needs an open task. */
export class TaskNotOpen extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'task_not_open';
  constructor(status: string, action: string) {
    super(`a ${status} task cannot be ${action}`);
  }
}

/** Only a done or failed task can be reopened (a dropped task stays dropped). */
export class TaskCannotBeReopened extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'task_cannot_be_reopened';
  constructor(status: string) {
    super(`a ${status} task cannot be reopened; only done or failed tasks can`);
  }
}

/** A parent is done when its steps are: complete or drop the open steps first. */
export class TaskHasOpenSteps extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'task_has_open_steps';
  constructor(count: number) {
    super(`the task has ${count} open step(s); finish or drop them first`);
  }
}

/** Deleting a parent would orphan its steps: delete the steps first. */
export class TaskHasSteps extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'task_has_steps';
  constructor(count: number) {
    super(`the task has ${count} step(s); delete them first`);
  }
}

/** Steps nest at most two levels below a top-level task. */
export class StepsTooDeep extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'steps_too_deep';
  override readonly fields = [{ field: 'parentId', message: `steps nest at most ${TASK_LIMITS.maxDepth} deep` }];
  constructor() {
    super(`steps nest at most ${TASK_LIMITS.maxDepth} deep`);
  }
}

/** Postponing moves a task later. */
export class PostponeMustMoveLater extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'postpone_not_later';
  override readonly fields = [{ field: 'scheduledFor', message: 'must be later than the current schedule' }];
  constructor() {
    super('postponing must move the task later than it is scheduled now');
  }
}

export class TaskNotFound extends DomainError {
  readonly kind = 'not_found' as const;
  readonly code = 'task_not_found';
  constructor() {
    super('task not found');
  }
}

/** A reference in the body (parentId, replanOf) to a task the caller does not have. */
export class UnknownTaskReference extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'unknown_task_reference';
  override readonly fields: { field: string; message: string }[];
  constructor(field: 'parentId' | 'replanOf', message = 'no such task') {
    super(`${field}: ${message}`);
    this.fields = [{ field, message }];
  }
}

/** The client reused a task id for a different task. */
export class TaskIdConflict extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'task_id_conflict';
  constructor() {
    super('a different task with this id already exists');
  }
}

export class VersionMismatch extends DomainError {
  readonly kind = 'precondition_failed' as const;
  readonly code = 'version_mismatch';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the task is at version ${actual}, not ${expected}; reload it`);
  }
}

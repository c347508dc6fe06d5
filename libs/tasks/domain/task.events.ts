/** Wire names of the task's events; the suffix is the contract version. */
export const TaskEvents = {
  Created: 'task.created.v1',
  Edited: 'task.edited.v1',
  Completed: 'task.completed.v1',
  Failed: 'task.failed.v1',
  Postponed: 'task.postponed.v1',
  Reopened: 'task.reopened.v1',
  Dropped: 'task.dropped.v1',
  Deleted: 'task.deleted.v1',
} as const;

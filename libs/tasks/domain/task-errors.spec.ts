import {
  PostponeMustMoveLater,
  StepsTooDeep,
  TaskCannotBeReopened,
  TaskHasOpenSteps,
  TaskHasSteps,
  TaskIdConflict,
  TaskNotFound,
  TaskNotOpen,
  UnknownTaskReference,
  VersionMismatch,
} from './task.errors';

/** The kind decides the HTTP status; the code is what clients branch on (docs: problem+json `code`). */
describe('task errors: kinds and codes', () => {
  it.each([
    [new TaskNotOpen('done', 'completed'), 'conflict', 'task_not_open'],
    [new TaskCannotBeReopened('dropped'), 'conflict', 'task_cannot_be_reopened'],
    [new TaskHasOpenSteps(2), 'conflict', 'task_has_open_steps'],
    [new TaskHasSteps(1), 'conflict', 'task_has_steps'],
    [new StepsTooDeep(), 'invalid', 'steps_too_deep'],
    [new PostponeMustMoveLater(), 'invalid', 'postpone_not_later'],
    [new TaskNotFound(), 'not_found', 'task_not_found'],
    [new UnknownTaskReference('parentId'), 'invalid', 'unknown_task_reference'],
    [new TaskIdConflict(), 'conflict', 'task_id_conflict'],
    [new VersionMismatch(3, 4), 'precondition_failed', 'version_mismatch'],
  ])('%p', (error, kind, code) => {
    expect(error).toMatchObject({ kind, code, name: error.constructor.name });
  });

  it('name the field a client has to fix', () => {
    expect(new StepsTooDeep().fields).toEqual([{ field: 'parentId', message: expect.any(String) }]);
    expect(new PostponeMustMoveLater().fields).toEqual([{ field: 'scheduledFor', message: expect.any(String) }]);
    expect(new UnknownTaskReference('replanOf').fields).toEqual([{ field: 'replanOf', message: expect.any(String) }]);
    expect(new VersionMismatch(3, 4)).toMatchObject({ expected: 3, actual: 4 });
  });
});

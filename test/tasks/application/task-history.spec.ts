import { Logger } from '@nestjs/common';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { TASK_HISTORY_PAGE_MAX, TaskHistory } from '@ln/tasks/application/task-history.facade';
import { ALICE, BOB, cid, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

/** The published history over the read model port (in memory here; the SQL adapter in the persistence contract suite). */
describe('TaskHistory', () => {
  async function setup() {
    const w = world();
    const history = new TaskHistory(w.readModel);
    return { w, history };
  }

  it('maps each stored state to the published item: plain data, the failure reduced to its reason', async () => {
    const { w, history } = await setup();
    const failed = await w.task(ALICE, { id: cid(1), title: 'failed', scheduledFor: '2026-03-02', estimateMinutes: 30, tags: ['a'] });
    await w.fail.execute(new FailTaskCommand(ALICE, failed.id, 'too_big', 'a private note'));
    const done = await w.task(ALICE, { id: cid(2), title: 'done' });
    await w.complete.execute(new CompleteTaskCommand(ALICE, done.id, undefined, 50));
    const page = await history.page({ limit: 10 });
    expect(page).toEqual({
      items: [
        {
          id: cid(1),
          ownerId: ALICE,
          title: 'failed',
          priority: 4,
          status: 'failed',
          parentId: null,
          scheduledDate: '2026-03-02',
          scheduledAt: null,
          dueAt: null,
          estimateMinutes: 30,
          actualMinutes: null,
          tags: ['a'],
          deferrals: 0,
          failureReason: 'too_big',
          createdAt: '2026-03-01T09:00:10.000Z',
          closedAt: '2026-03-01T09:00:10.000Z',
          version: 2,
        },
        expect.objectContaining({ id: cid(2), status: 'done', actualMinutes: 50, failureReason: null, version: 2 }),
      ],
      next: null,
    });
    // Nothing of the task that is not published (notes, the failure note) leaves; the title is
    // published (the coach words its steps from it and judges vague wording by it).
    expect(JSON.stringify(page)).not.toMatch(/private note|"notes"/);
    // The items are copies: changing one changes nothing stored.
    page.items[0].tags.push('x');
    expect(w.repo.stateOf(cid(1))?.tags).toEqual(['a']);
  });

  it('pages in id order across owners (keyset on id), skips deleted tasks, filters by owner', async () => {
    const { w, history } = await setup();
    for (const [n, owner] of [[3, ALICE], [1, BOB], [4, ALICE], [2, ALICE], [5, BOB]] as const) await w.task(owner, { id: cid(n), title: `t${n}` });
    await w.delete.execute(new DeleteTaskCommand(ALICE, cid(4)));
    const first = await history.page({ limit: 2 });
    expect([first.items.map((i) => i.id), first.next]).toEqual([[cid(1), cid(2)], cid(2)]);
    const second = await history.page({ after: first.next!, limit: 2 });
    expect([second.items.map((i) => i.id), second.next]).toEqual([[cid(3), cid(5)], null]);
    const alice = await history.page({ ownerId: ALICE, limit: 10 });
    expect(alice.items.map((i) => i.id)).toEqual([cid(2), cid(3)]);
  });

  it('a limit over the page maximum is cut to it; a limit that is not a whole number from 1 is refused before any read', async () => {
    const { w, history } = await setup();
    await history.page({ limit: TASK_HISTORY_PAGE_MAX * 10 });
    expect(w.readModel.histories.at(-1)).toEqual({ limit: TASK_HISTORY_PAGE_MAX });
    const reads = w.readModel.histories.length;
    for (const limit of [0, -1, 1.5, Number.NaN]) await expect(history.page({ limit })).rejects.toThrow(RangeError);
    expect(w.readModel.histories.length).toBe(reads);
  });
});

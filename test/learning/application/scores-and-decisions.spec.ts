import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import { GetInsightsHandler } from '@ln/learning/application/get-insights/get-insights.handler';
import { GetInsightsQuery } from '@ln/learning/application/get-insights/get-insights.query';
import type { LearningHistory, PlanDecision, TaskScore, TrackedVersion } from '@ln/learning/application/ports/learning-history.port';
import { RecordPlanDecision } from '@ln/learning/application/record-plan-decision/record-plan-decision.service';
import { ScoreOpenTasks, publishedScore } from '@ln/learning/application/score-open-tasks/score-open-tasks.service';
import { type Cell, type TrackedTask, ZERO } from '@ln/learning/domain/tracked-task.value-object';
import { SuccessModel } from '@ln/learning/domain/success-model';
import { GOLDEN_CASES } from '@ln/learning/domain/success-model.fixtures';
import { FixedClock, SequentialIds } from '../../support/fakes';

/** The learning history in memory: only what these use cases read and write. */
class MemoryHistory implements LearningHistory {
  open: TrackedTask[] = [];
  scores = new Map<string, TaskScore>();
  saved: { scores: readonly TaskScore[]; removed: readonly string[]; events: readonly DomainEvent[] }[] = [];
  decisions: { userId: string; cause: string; decision: PlanDecision }[] = [];
  planAsked: (readonly string[])[] = [];
  scoresAsked: (readonly string[] | undefined)[] = [];
  cellsAsked: { from?: string; to?: string }[] = [];
  private nextVersion = 7;
  async tracked(): Promise<TrackedVersion | null> {
    return null;
  }
  async record(): Promise<void> {}
  async totals(): Promise<Cell[]> {
    return [];
  }
  async plan(_: string, days: readonly string[]): Promise<Map<string, Cell>> {
    this.planAsked.push(days);
    return new Map();
  }
  async cells(_: string, range: { from?: string; to?: string }): Promise<Cell[]> {
    this.cellsAsked.push(range);
    return [];
  }
  async population(): Promise<Cell[]> {
    return [];
  }
  async trackedOf() {
    return [];
  }
  async forgetAll(): Promise<void> {}
  async openTasks(): Promise<TrackedTask[]> {
    return this.open;
  }
  async saveScores(_: string, scores: readonly TaskScore[], removed: readonly string[], events: readonly DomainEvent[]): Promise<void> {
    this.saved.push({ scores, removed, events });
    for (const id of removed) this.scores.delete(id);
    for (const s of scores) this.scores.set(s.taskId, s);
  }
  async scoresOf(_: string, taskIds?: readonly string[]): Promise<Map<string, TaskScore>> {
    this.scoresAsked.push(taskIds);
    return new Map([...this.scores].filter(([id]) => !taskIds || taskIds.includes(id)));
  }
  async nextModelVersions(_: string, count: number): Promise<number> {
    const first = this.nextVersion;
    this.nextVersion += count;
    return first;
  }
  async recordPlanDecision(userId: string, cause: string, decision: PlanDecision): Promise<void> {
    this.decisions.push({ userId, cause, decision });
  }
  async planFeedback() {
    return {};
  }
}

function task(id: string, over: Partial<TrackedTask> = {}): TrackedTask {
  return { taskId: id, userId: 'alice', status: 'open', scheduledDate: null, localHour: null, estimateMinutes: 30, actualMinutes: null, tags: [], deferrals: 0, failureReason: null, closedDay: null, ...over };
}

describe('RecordPlanDecision', () => {
  it('counts a decision under the plan’s most likely cause', async () => {
    const history = new MemoryHistory();
    const record = new RecordPlanDecision(history);
    await expect(record.record('alice', 'rejected', ['too_big', 'wrong_time'])).resolves.toBe(true);
    expect(history.decisions).toEqual([{ userId: 'alice', cause: 'too_big', decision: 'rejected' }]);
    await expect(record.record('alice', 'accepted', ['x'.repeat(64)])).resolves.toBe(true);
  });

  it.each([
    ['no causes (events from before they were sent)', undefined],
    ['an empty list', []],
    ['a cause that is not a word', [42]],
    ['an empty cause', ['']],
    ['a cause longer than 64 characters', ['x'.repeat(65)]],
  ])('ignores %s', async (_, causes) => {
    const history = new MemoryHistory();
    await expect(new RecordPlanDecision(history).record('alice', 'accepted', causes as unknown[] | undefined)).resolves.toBe(false);
    expect(history.decisions).toEqual([]);
  });
});

describe('publishedScore', () => {
  it('rounds the chance to two decimals and turns effects into helps and hurts', () => {
    expect(publishedScore({ taskId: 't', probability: 0.12345, factors: [{ text: 'a', effect: -0.2 }, { text: 'b', effect: 0.1 }, { text: 'c', effect: 0 }] })).toEqual({
      taskId: 't',
      successProbability: 0.12,
      factors: [
        { text: 'a', effect: 'hurts' },
        { text: 'b', effect: 'helps' },
        { text: 'c', effect: 'helps' },
      ],
    });
    expect(publishedScore({ taskId: 't', probability: 0.675, factors: [] }).successProbability).toBe(0.68);
  });
});

describe('ScoreOpenTasks', () => {
  function scoring(history = new MemoryHistory()) {
    return { history, score: new ScoreOpenTasks(history, new FixedClock(new Date('2026-03-01T09:00:00.000Z')), new SequentialIds()) };
  }

  it('scores every open task, stores the scores and publishes them once, in order, from the reserved version', async () => {
    const { history, score } = scoring();
    history.open = [task('t1', { scheduledDate: '2026-03-02' }), task('t2', { scheduledDate: '2026-03-02' }), task('t3', { status: 'done' })];
    await expect(score.rescore('alice')).resolves.toBe(2);
    expect(history.planAsked).toEqual([['2026-03-02']]);
    expect(history.scoresAsked).toEqual([undefined]);
    const [saved] = history.saved;
    expect(saved!.scores.map((s) => s.taskId)).toEqual(['t1', 't2']);
    for (const s of saved!.scores) {
      expect(s.probability).toBeGreaterThan(0);
      expect(s.probability).toBeLessThan(1);
    }
    expect(saved!.events).toEqual([
      expect.objectContaining({ type: 'learning.task-scores.v1', aggregateType: 'success-model', aggregateId: 'alice', userId: 'alice', version: 7, occurredAt: '2026-03-01T09:00:00.000Z' }),
    ]);
    expect(saved!.events[0]!.payload).toEqual({ scores: saved!.scores.map(publishedScore), removed: [] });

    // The same scores again: stored, but nothing published.
    await score.rescore('alice');
    expect(history.saved[1]!.events).toEqual([]);
  });

  it('only the given tasks, and a closed task’s prediction withdrawn (published only when one was stored)', async () => {
    const { history, score } = scoring();
    history.open = [task('t1'), task('t2')];
    await score.rescore('alice');
    await expect(score.rescore('alice', { tasks: [task('t1', { estimateMinutes: 600 })], closed: ['t2', 'never-scored'] })).resolves.toBe(1);
    expect(history.scoresAsked.at(-1)).toEqual(['t1', 't2', 'never-scored']);
    const last = history.saved.at(-1)!;
    expect(last.removed).toEqual(['t2', 'never-scored']);
    expect(last.events.map((e) => (e.payload as { removed: string[] }).removed)).toEqual([['t2']]);
  });

  it('a closed task’s own event: nothing scored, its prediction withdrawn in an event of its own', async () => {
    const { history, score } = scoring();
    history.open = [task('t1')];
    await score.rescore('alice');
    await expect(score.rescore('alice', { tasks: [task('t1', { status: 'failed' })], closed: ['t1'] })).resolves.toBe(0);
    const last = history.saved.at(-1)!;
    expect(last.scores).toEqual([]);
    expect(last.events).toEqual([expect.objectContaining({ version: 8, payload: { scores: [], removed: ['t1'] } })]);
    // Nothing closed and nothing open: nothing read, nothing published.
    await expect(score.rescore('alice', { tasks: [task('t9', { status: 'done' })] })).resolves.toBe(0);
    expect(history.saved.at(-1)!.events).toEqual([]);
  });

  it("scores each task as the model does with its user's totals, the population's and its day's load (factors kept as the model gave them)", async () => {
    const busy = GOLDEN_CASES.find((g) => g.name.startsWith('postponed tasks and busy days'))!;
    const totals = busy.user();
    const population = busy.population();
    const history = new (class extends MemoryHistory {
      override async totals() {
        return totals;
      }
      override async population() {
        return population;
      }
      override async plan(_: string, days: readonly string[]) {
        this.planAsked.push(days);
        const loads: Record<string, number> = { '2026-03-09': 9, '2026-03-10': 2 };
        return new Map(days.filter((d) => loads[d]).map((d) => [d, { ...ZERO, day: d, dimension: 'plan' as const, key: '', n: loads[d]! }]));
      }
    })();
    const { score } = scoring(history);
    const tasks = [task('busy', { scheduledDate: '2026-03-09', deferrals: 4 }), task('light', { scheduledDate: '2026-03-10' }), task('unplanned', { scheduledDate: '2026-03-11' }), task('none')];
    await score.rescore('alice', { tasks: [...tasks, task('done', { status: 'done', closedDay: '2026-03-01' })] });
    const model = SuccessModel.build(totals, population);
    const expected = tasks.map((t, i) => {
      const p = model.predict(t, [9, 2, null, null][i]!);
      return { taskId: t.taskId, probability: p.probability, factors: p.factors.map((f) => ({ text: f.text, effect: f.effect })) };
    });
    expect(history.saved.at(-1)!.scores).toEqual(expected);
    expect(expected[0]!.factors.length).toBeGreaterThan(0);
    expect(expected[0]!.probability).toBeLessThan(expected[1]!.probability);
    expect(history.planAsked.at(-1)).toEqual(['2026-03-09', '2026-03-10', '2026-03-11']);
  });

  it('publishes at most 250 scores an event, the removals with the last one', async () => {
    const { history, score } = scoring();
    history.open = Array.from({ length: 251 }, (_, i) => task(`t${String(i).padStart(3, '0')}`));
    history.scores.set('gone', { taskId: 'gone', probability: 0.5, factors: [] });
    await score.rescore('alice');
    await score.rescore('alice', { closed: ['gone'] });
    const events = history.saved.at(-1)!.events;
    // The first rescore published 251 (two events); this one, the same scores, only the removal.
    expect(history.saved[0]!.events.map((e) => [(e.payload as { scores: unknown[] }).scores.length, e.version])).toEqual([
      [250, 7],
      [1, 8],
    ]);
    expect(events.map((e) => e.payload)).toEqual([{ scores: [], removed: ['gone'] }]);
  });
});

describe('GetInsights', () => {
  class MapCache implements ReadCache {
    readonly keys: string[] = [];
    private readonly entries = new Map<string, string>();
    async read(userId: string, key: string, load: () => Promise<string>): Promise<string> {
      this.keys.push(`${userId}/${key}`);
      const k = `${userId}/${key}`;
      if (!this.entries.has(k)) this.entries.set(k, await load());
      return this.entries.get(k)!;
    }
    async invalidate(): Promise<void> {}
  }

  it('served through the cache under the range and the current UTC hour; today is the owner’s local day', async () => {
    const history = new MemoryHistory();
    const cache = new MapCache();
    const clock = new FixedClock(new Date('2026-03-01T20:30:00.000Z'));
    const zones: Record<string, string | null> = { alice: 'Asia/Seoul', bob: null };
    const handler = new GetInsightsHandler(history, { timezoneOf: async (u: string) => zones[u] ?? null } as never, cache as unknown as ReadCache, clock);
    const json = JSON.parse(await handler.execute(new GetInsightsQuery('alice', '2026-02-01', '2026-02-28')));
    expect(json).toMatchObject({ from: '2026-02-01', to: '2026-02-28', today: '2026-03-02' });
    expect(cache.keys).toEqual(['alice/insights:2026-02-01:2026-02-28:2026-03-01T20']);
    expect(history.cellsAsked).toEqual([{ from: '2026-02-01', to: '2026-02-28' }]);
    // Without a range or a timezone: nulls in the key and the answer, and UTC.
    expect(JSON.parse(await handler.execute(new GetInsightsQuery('bob')))).toMatchObject({ from: null, to: null, today: '2026-03-01' });
    expect(cache.keys.at(-1)).toBe('bob/insights:::2026-03-01T20');
  });
});

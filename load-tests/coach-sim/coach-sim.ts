// The coach's evaluation (`npm run sim:coach`; a short run of it is in `npm test`,
// test/coach/coach-sim.spec.ts): the learning simulator's users (load-tests/sim: planted habits,
// the same seeds) write their history over HTTP into the real application (embedded mode: the
// projection, the coach's worker stage); then some of their tasks fail, and the plans the coach
// proposes are read back over HTTP. Measured: how often the top-2 diagnosis names the planted
// habit, and the planted chance of the plans' steps against the original tasks' and a naive split
// (equal chunks, same day, same hour). Nothing here re-implements the coach.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type PlannedTask, type SimUser, matchesHabit, planUser } from '../sim/sim';

/** The cause a diagnosis must name for each planted habit. */
export const HABIT_CAUSE: Record<string, string | null> = { long: 'too_big', late: 'wrong_time', busy: 'overloaded_day', tag: 'tag', none: null };

export interface CoachSimOptions {
  readonly seed: number;
  readonly users: number;
  /** Training outcomes per user: between half of this and this (as the learning sim). */
  readonly tasks: number;
  /** Failures per user whose plans are evaluated. */
  readonly failures: number;
  readonly log?: (line: string) => void;
}

export interface PlanProbe {
  readonly user: number;
  readonly habit: string;
  /** Outcomes (done + failed) in the user's history when the task failed. */
  readonly outcomes: number;
  /** The failed task is one the habit touches (only those should be diagnosed as the habit). */
  readonly habitTask: boolean;
  readonly causes: readonly string[];
  /** The planted chance of the original task, of the plan's steps (mean), of the naive split's chunks (mean). */
  readonly original: number;
  readonly plan: number;
  readonly naive: number;
  readonly steps: number;
  /** Steps placed where the planted habit bites (a late hour, a day over 6 tasks, over 60 min). */
  readonly badSlots: number;
  readonly fits: boolean;
}

export interface CoachSimReport {
  readonly options: Omit<CoachSimOptions, 'log'>;
  readonly probes: readonly PlanProbe[];
  readonly requests: number;
  readonly seconds: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A simulated user's planted chance that a task (its size, local hour, the day's load, tags) is done. */
export function plantedChance(user: SimUser, t: { estimate: number | null; hour: number | null; load: number; tags: readonly string[] }): number {
  return user.habit === 'none' ? user.pOther : matchesHabit(user, t) ? user.pHabit : user.pOther;
}

class Client {
  private token = '';
  requests = 0;
  constructor(
    private readonly app: NestFastifyApplication,
    private readonly email: string,
    private readonly timezone: string,
  ) {}

  async register(): Promise<void> {
    await this.raw('POST', '/v1/auth/register', { email: this.email, password: 'simulated user', timezone: this.timezone }, false);
    this.token = (await this.raw('POST', '/v1/auth/login', { email: this.email, password: 'simulated user' }, false)).json().accessToken;
  }

  private async raw(method: 'GET' | 'POST', url: string, body: unknown, auth: boolean) {
    this.requests++;
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${this.token}`;
    return this.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  }

  async call(method: 'GET' | 'POST', url: string, body?: unknown) {
    let res = await this.raw(method, url, body, true);
    if (res.statusCode === 401) {
      this.token = (await this.raw('POST', '/v1/auth/login', { email: this.email, password: 'simulated user' }, false)).json().accessToken;
      res = await this.raw(method, url, body, true);
    }
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  }
}

async function writeTask(client: Client, user: SimUser, t: PlannedTask, title: string): Promise<string> {
  const at = (hour: number) => `${t.day}T${pad(hour)}:${pad(t.minute)}:00${user.zone.offset}`;
  const created = await client.call('POST', '/v1/tasks', {
    title,
    scheduledFor: t.hour === null ? t.day : at(t.hour - t.deferrals),
    ...(t.estimate === null ? {} : { estimateMinutes: t.estimate }),
    tags: t.tags,
  });
  const id = created.json().id as string;
  for (let d = t.deferrals - 1; d >= 0; d--) await client.call('POST', `/v1/tasks/${id}/postpone`, { scheduledFor: at(t.hour! - d) });
  return id;
}

/** The local hour of an RFC 3339 instant with its offset (the user's zones have fixed offsets). */
const localHourOf = (instant: string) => Number(instant.slice(11, 13));
const localDayOf = (instant: string) => instant.slice(0, 10);

/** One user: history, then `failures` of their held-out tasks that fail as planted, each with its plan. */
async function simulateUser(app: NestFastifyApplication, user: SimUser, failures: number): Promise<{ probes: PlanProbe[]; requests: number }> {
  const client = new Client(app, `coach-sim-${user.index}-${Date.now()}@example.com`, user.zone.name);
  await client.register();
  let closed = 0;
  for (const [i, t] of user.training.entries()) {
    const id = await writeTask(client, user, t, `Task ${i} of the plan`);
    if (t.outcome === 'dropped') await client.call('POST', `/v1/tasks/${id}/drop`, {});
    else if (t.outcome === 'done') await client.call('POST', `/v1/tasks/${id}/complete`, {});
    else await client.call('POST', `/v1/tasks/${id}/fail`, { reason: t.reason });
    if (t.outcome !== 'dropped') closed++;
  }
  // The projection runs after each commit: wait until the history holds every outcome.
  for (let i = 0; ; i++) {
    const samples = (await client.call('GET', '/v1/insights')).json().completion.overall.samples as number;
    if (samples >= closed) break;
    if (i > 600) throw new Error(`user ${user.index}: the projection did not catch up (${samples} of ${closed})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // The tasks that fail: held-out ones that fail as planted, those the habit touches first (a
  // habit user's failures are mostly the habit's).
  const failing = user.heldOut.filter((t) => t.outcome === 'failed' && t.estimate !== null).sort((a, b) => Number(matchesHabit(user, b)) - Number(matchesHabit(user, a)));
  const probes: PlanProbe[] = [];
  for (const [i, t] of failing.slice(0, failures).entries()) {
    // The rest of its day, as planned (open): the day's load is what it was.
    for (let k = 1; k < t.load; k++) await client.call('POST', '/v1/tasks', { title: `Other task ${k} that day`, scheduledFor: t.day });
    const id = await writeTask(client, user, t, `Write the chapter ${i}`);
    await client.call('POST', `/v1/tasks/${id}/fail`, { reason: t.reason });
    let plan: any;
    for (let k = 0; ; k++) {
      plan = (await client.call('GET', `/v1/tasks/${id}/plans`)).json().items[0];
      if (plan?.status === 'proposed') break;
      if (k > 600) throw new Error(`user ${user.index}: no plan for task ${id}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const steps = plan.steps as { estimateMinutes: number; scheduledFor: string }[];
    const perDay = new Map<string, number>();
    for (const s of steps) perDay.set(localDayOf(s.scheduledFor), (perDay.get(localDayOf(s.scheduledFor)) ?? 0) + 1);
    const stepChances = steps.map((s) => plantedChance(user, { estimate: s.estimateMinutes, hour: localHourOf(s.scheduledFor), load: perDay.get(localDayOf(s.scheduledFor))!, tags: t.tags }));
    const n = Math.max(1, steps.length);
    const chunk = Math.ceil(t.estimate! / n);
    const naive = plantedChance(user, { estimate: chunk, hour: t.hour, load: t.load + n - 1, tags: t.tags });
    probes.push({
      user: user.index,
      habit: user.habit,
      outcomes: closed,
      habitTask: matchesHabit(user, t),
      causes: (plan.diagnosis as { kind: string }[]).map((c) => c.kind),
      original: t.pDone,
      plan: stepChances.reduce((a, p) => a + p, 0) / n,
      naive,
      steps: steps.length,
      badSlots: steps.filter((s) => user.habit !== 'none' && user.habit !== 'tag' && matchesHabit(user, { estimate: s.estimateMinutes, hour: localHourOf(s.scheduledFor), load: perDay.get(localDayOf(s.scheduledFor))!, tags: [] })).length,
      fits: plan.fits,
    });
  }
  return { probes, requests: client.requests };
}

export async function simulateCoach(app: NestFastifyApplication, options: CoachSimOptions): Promise<CoachSimReport> {
  const started = Date.now();
  const probes: PlanProbe[] = [];
  let requests = 0;
  for (let i = 0; i < options.users; i++) {
    const user = planUser(options.seed, i, { tasks: options.tasks, heldOut: 30 });
    const r = await simulateUser(app, user, options.failures);
    probes.push(...r.probes);
    requests += r.requests;
    options.log?.(`user ${i + 1}/${options.users} (${user.habit}): ${r.probes.length} plans`);
  }
  const { log: _log, ...rest } = options;
  return { options: rest, probes, requests, seconds: Math.round((Date.now() - started) / 1000) };
}

export interface CoachEvaluation {
  readonly rows: readonly {
    readonly habit: string;
    readonly plans: number;
    /** Of the plans for tasks the habit touches, the share whose top-2 causes name it (null where no cause kind fits it). */
    readonly top2: number | null;
    readonly original: number;
    readonly plan: number;
    readonly naive: number;
    readonly ratio: number;
    readonly badSlots: number;
    readonly steps: number;
  }[];
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : 0);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function evaluateCoach(report: CoachSimReport, minOutcomes = 20): CoachEvaluation {
  const groups = new Map<string, PlanProbe[]>();
  for (const p of report.probes.filter((p) => p.outcomes >= minOutcomes)) {
    for (const key of [p.habit, p.habit === 'none' ? null : 'habit users'].filter((k): k is string => k !== null)) groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const order = ['habit users', 'long', 'late', 'busy', 'tag', 'none'];
  return {
    rows: order
      .filter((h) => groups.has(h))
      .map((habit) => {
        const ps = groups.get(habit)!;
        const named = ps.filter((p) => HABIT_CAUSE[p.habit] && p.habitTask);
        return {
          habit,
          plans: ps.length,
          top2: named.length ? r3(named.filter((p) => p.causes.slice(0, 2).includes(HABIT_CAUSE[p.habit]!)).length / named.length) : null,
          original: r3(mean(ps.map((p) => p.original))),
          plan: r3(mean(ps.map((p) => p.plan))),
          naive: r3(mean(ps.map((p) => p.naive))),
          ratio: r3(mean(ps.map((p) => p.plan)) / Math.max(1e-9, mean(ps.map((p) => p.original)))),
          badSlots: ps.reduce((a, p) => a + p.badSlots, 0),
          steps: ps.reduce((a, p) => a + p.steps, 0),
        };
      }),
  };
}

export function formatCoachEvaluation(report: CoachSimReport, e: CoachEvaluation): string {
  const o = report.options;
  return [
    `seed ${o.seed}, ${o.users} users, up to ${o.tasks} training outcomes each, ${o.failures} failures each; ${report.probes.length} plans; ${report.requests} HTTP requests in ${report.seconds} s`,
    '',
    '| failed tasks of | plans | planted habit in the top-2 causes (of the habit’s tasks) | planted chance: original | plan steps | naive split | plan / original | steps on a planted bad slot |',
    '|---|---|---|---|---|---|---|---|',
    ...e.rows.map((r) => `| ${r.habit} | ${r.plans} | ${r.top2 === null ? 'n/a' : `${Math.round(r.top2 * 100)}%`} | ${r.original} | ${r.plan} | ${r.naive} | ${r.ratio}x | ${r.badSlots} of ${r.steps} |`),
  ].join('\n');
}

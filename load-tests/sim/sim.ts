// The simulator's core (`npm run sim` runs it at full size, test/learning/sim.spec.ts a short run):
// seeded users with planted habits, driven through the real application over HTTP; the learning
// projection builds their history from the real events; the success model is scored on held-out
// tasks against two baselines and the planted truth, and the insights' patterns are checked
// against the planted habits. Nothing here re-implements the product: it only writes tasks over
// HTTP, reads the projection's storage (`LearningHistory`) and calls the domain's `SuccessModel`.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LEARNING_HISTORY, type LearningHistory } from '@ln/learning/application/ports/learning-history.port';
import { smoothedRate } from '@ln/learning/domain/evidence';
import { priorFor, sum } from '@ln/learning/domain/insights';
import { type SuccessFactor, SuccessModel } from '@ln/learning/domain/success-model';
import type { Cell, TrackedTask } from '@ln/learning/domain/tracked-task.value-object';

// ------------------------------------------------------------------ randomness

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream of its own per user (FNV-1a of seed and index), so a user's plan never depends on the others. */
function streamOf(seed: number, index: number): () => number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${index}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mulberry32(h);
}

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const between = (rng: () => number, lo: number, hi: number) => lo + (hi - lo) * rng();
function weighted<T>(rng: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rng() * total;
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1]![0];
}

// ------------------------------------------------------------------ users and their habits

export const HABITS = ['long', 'late', 'busy', 'tag', 'none'] as const;
export type Habit = (typeof HABITS)[number];

export const HABIT_LABELS: Record<Habit, string> = {
  long: 'fails tasks estimated over 60 min',
  late: 'fails tasks scheduled after 20:00',
  busy: 'fails on days with more than 6 tasks',
  tag: 'fails one tag',
  none: 'no pattern (constant rate)',
};

/**
 * The insights patterns that state a habit (failing: the group's rate below the rest's). Over 60
 * min: the size buckets above 60 (61-90, 91-120, over 120) and the tails over 60 and over 90.
 * After 20:00: the parts of the day holding those hours (evening 17-21 holds 20:xx, night 21-05
 * the rest) and the late tails (18:00 or later ... 23:00 or later). More than 6 tasks: a load of
 * 7+. The tag: that tag.
 */
export const EXPECTED_PATTERNS: Record<Exclude<Habit, 'none'>, (user: Pick<SimUser, 'tag'>) => readonly { dimension: string; keys: readonly string[] }[]> = {
  long: () => [{ dimension: 'size', keys: ['le90', 'le120', 'gt120', 'gt60', 'gt90'] }],
  late: () => [
    { dimension: 'daypart', keys: ['evening', 'night'] },
    { dimension: 'hour', keys: ['18+', '19+', '20+', '21+', '22+', '23+'] },
  ],
  busy: () => [{ dimension: 'load', keys: ['7+'] }],
  tag: (u) => [{ dimension: 'tag', keys: [u.tag!] }],
};

const TAGS = ['work', 'home', 'errand', 'health', 'study'] as const;
/** Fixed-offset zones (no DST), so a schedule's local hour is the hour written. */
const ZONES = [
  { name: 'UTC', offset: '+00:00' },
  { name: 'Asia/Tokyo', offset: '+09:00' },
  { name: 'Asia/Kolkata', offset: '+05:30' },
  { name: 'America/Bogota', offset: '-05:00' },
] as const;
const REASONS = ['too_big', 'no_time', 'low_energy', 'blocked', 'unclear', 'forgot', 'deprioritized', 'interrupted', 'other'] as const;
const HABIT_REASON: Record<Habit, (typeof REASONS)[number]> = { long: 'too_big', late: 'low_energy', busy: 'no_time', tag: 'deprioritized', none: 'other' };

/** Tasks scheduled on a day, 1 to 10; about 40% of tasks land on days with 7 or more. */
const DAY_LOADS = [
  [1, 3],
  [2, 4],
  [3, 4],
  [4, 3],
  [5, 2],
  [6, 2],
  [7, 1.5],
  [8, 1.5],
  [9, 1],
  [10, 0.5],
] as const;

export interface PlannedTask {
  readonly day: string;
  /** Local hour of the final schedule, or null for a task scheduled for the day only. */
  readonly hour: number | null;
  readonly minute: number;
  readonly estimate: number | null;
  readonly tags: readonly string[];
  /** Postponed this many times (an hour each, same day) before it is closed. */
  readonly deferrals: number;
  /** How many tasks are scheduled on its day. */
  readonly load: number;
  /** The planted chance it is done. */
  readonly pDone: number;
  readonly outcome: 'done' | 'failed' | 'dropped';
  readonly actualMinutes: number | null;
  readonly reason: (typeof REASONS)[number];
}

export interface SimUser {
  readonly index: number;
  readonly habit: Habit;
  /** The failed tag (tag habit only). */
  readonly tag: string | null;
  /** Done rate of the habit's tasks, and of every other task (the same for `none`). */
  readonly pHabit: number;
  readonly pOther: number;
  readonly zone: (typeof ZONES)[number];
  readonly training: readonly PlannedTask[];
  readonly heldOut: readonly PlannedTask[];
}

export function matchesHabit(user: Pick<SimUser, 'habit' | 'tag'>, t: Pick<PlannedTask, 'estimate' | 'hour' | 'load' | 'tags'>): boolean {
  switch (user.habit) {
    case 'long':
      return t.estimate !== null && t.estimate > 60;
    case 'late':
      return t.hour !== null && t.hour >= 20;
    case 'busy':
      return t.load > 6;
    case 'tag':
      return t.tags.includes(user.tag!);
    case 'none':
      return false;
  }
}

const dayAfter = (start: string, days: number) => new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * One user's whole plan, from the seed alone: habit (round robin), strengths, training days until
 * `trainingTasks` (between half of `tasks` and `tasks`), then held-out days until `heldOut`.
 * Habits are strong but noisy: the habit's tasks are done 10-30% of the time, the others 70-90%;
 * a user without a pattern finishes everything at one rate (50-85%). Every user also has random
 * other tasks (sizes, hours, tags, loads, postponements) the habit does not touch.
 */
export function planUser(seed: number, index: number, options: { tasks: number; heldOut: number }): SimUser {
  const rng = streamOf(seed, index);
  const habit = HABITS[index % HABITS.length]!;
  const tagOdds = [0.35, 0.2, 0.12, 0.1, 0.05];
  // The user's tags, most used first (Fisher-Yates): a tag-habit user fails the most used one.
  const tags: string[] = [...TAGS];
  for (let i = tags.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [tags[i], tags[j]] = [tags[j]!, tags[i]!];
  }
  const tag = habit === 'tag' ? tags[0]! : null;
  const pHabit = habit === 'none' ? 0 : between(rng, 0.1, 0.3);
  const pOther = habit === 'none' ? between(rng, 0.5, 0.85) : between(rng, 0.7, 0.9);
  const zone = pick(rng, ZONES);
  const user = { habit, tag };
  const trainingTasks = Math.floor(between(rng, Math.ceil(options.tasks / 2), options.tasks + 1));

  let dayIndex = 0;
  const days = (count: number): PlannedTask[] => {
    const planned: PlannedTask[] = [];
    while (planned.length < count) {
      const day = dayAfter('2026-01-05', dayIndex++);
      const load = weighted(rng, DAY_LOADS);
      for (let i = 0; i < load; i++) {
        const timed = rng() < 0.85;
        const hour = timed ? (rng() < 0.35 ? 20 + Math.floor(rng() * 4) : 7 + Math.floor(rng() * 13)) : null;
        const estimate = rng() < 0.1 ? null : rng() < 0.35 ? pick(rng, [75, 90, 105, 120, 150, 180, 240]) : pick(rng, [5, 10, 15, 20, 25, 30, 45, 60]);
        const taskTags = tags.filter((_, k) => rng() < tagOdds[k]!);
        const deferrals = timed ? weighted(rng, [[0, 80], [1, 14], [2, 6]] as const) : 0;
        const t = { estimate, hour, load, tags: taskTags };
        const pDone = habit === 'none' ? pOther : matchesHabit(user, t) ? pHabit : pOther;
        const dropped = rng() < 0.03;
        const done = rng() < pDone;
        planned.push({
          day,
          hour,
          minute: pick(rng, [0, 15, 30, 45]),
          estimate,
          tags: taskTags,
          deferrals,
          load,
          pDone,
          outcome: dropped ? 'dropped' : done ? 'done' : 'failed',
          actualMinutes: done && estimate !== null && rng() < 0.5 ? Math.max(1, Math.round(estimate * between(rng, 0.6, 1.8))) : null,
          reason: done ? 'other' : matchesHabit(user, t) && rng() < 0.7 ? HABIT_REASON[habit] : pick(rng, REASONS),
        });
      }
    }
    return planned;
  };
  const training = days(trainingTasks);
  const heldOut = days(options.heldOut);
  return { index, habit, tag, pHabit, pOther, zone, training, heldOut };
}

// ------------------------------------------------------------------ metrics

export interface Scored {
  readonly p: number;
  readonly done: boolean;
}

/** Area under the ROC curve (Mann-Whitney, ties count half); NaN without both outcomes. */
export function auc(scored: readonly Scored[]): number {
  const sorted = [...scored].sort((a, b) => a.p - b.p);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.p === sorted[i]!.p) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (sorted[k]!.done) {
        rankSum += midRank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared error of the probability against the outcome (0 perfect; 0.25 for a constant 0.5). */
export function brier(scored: readonly Scored[]): number {
  return scored.reduce((s, x) => s + (x.p - (x.done ? 1 : 0)) ** 2, 0) / scored.length;
}

export interface Decile {
  readonly range: string;
  readonly n: number;
  readonly meanP: number;
  readonly observed: number;
}

/** Calibration: predictions binned by tenths of probability, mean predicted against observed. */
export function deciles(scored: readonly Scored[]): Decile[] {
  return Array.from({ length: 10 }, (_, d) => {
    const bin = scored.filter((s) => Math.min(9, Math.floor(s.p * 10)) === d);
    return {
      range: `${(d / 10).toFixed(1)}-${((d + 1) / 10).toFixed(1)}`,
      n: bin.length,
      meanP: bin.length ? bin.reduce((s, x) => s + x.p, 0) / bin.length : Number.NaN,
      observed: bin.length ? bin.filter((x) => x.done).length / bin.length : Number.NaN,
    };
  }).filter((d) => d.n > 0);
}

// ------------------------------------------------------------------ the run

export interface SimOptions {
  readonly seed: number;
  readonly users: number;
  /** Training outcomes per user: between half of this and this (about; days are whole). */
  readonly tasks: number;
  /** Held-out tasks per user (about; days are whole). */
  readonly heldOut: number;
  /** Users written at the same time. */
  readonly concurrency?: number;
  readonly log?: (message: string) => void;
}

/** One held-out task's scores: the model, the two baselines, the planted truth. */
export interface HeldOutScore {
  readonly user: number;
  readonly habit: Habit;
  readonly done: boolean;
  readonly model: number;
  readonly baseRate: number;
  readonly population: number;
  readonly oracle: number;
  readonly factors: readonly SuccessFactor[];
  /** What was scored: the task as the projection tracked it, and its day's load. */
  readonly task: TrackedTask;
  readonly dayLoad: number | null;
}

export interface UserResult {
  readonly index: number;
  readonly habit: Habit;
  readonly trainingOutcomes: number;
  /** Patterns stated by GET /v1/insights after training, and after the held-out tasks closed too. */
  readonly patternsAfterTraining: readonly { dimension: string; key: string; rate: number; othersRate: number; statement: string }[];
  readonly patternsAtEnd: readonly { dimension: string; key: string; rate: number; othersRate: number; statement: string }[];
}

export interface SimReport {
  readonly options: Required<Omit<SimOptions, 'log'>>;
  readonly users: readonly UserResult[];
  readonly scores: readonly HeldOutScore[];
  readonly requests: number;
  readonly seconds: number;
  /** The cells the held-out tasks were scored from (per user index, and the population's), to study a model offline. */
  readonly cells: { readonly population: readonly Cell[]; readonly users: Readonly<Record<number, readonly Cell[]>> };
}

type Pattern = UserResult['patternsAfterTraining'][number];

/** Whether the planted habit is among `patterns`: an expected dimension and key, with the lower rate. */
export function habitFound(user: Pick<SimUser, 'habit' | 'tag'>, patterns: readonly Pattern[]): boolean {
  if (user.habit === 'none') return false;
  const expected = EXPECTED_PATTERNS[user.habit](user);
  return patterns.some((p) => p.rate < p.othersRate && expected.some((e) => e.dimension === p.dimension && e.keys.includes(p.key)));
}

/** Whether a pattern says something of another dimension than the habit's (time of day counts as one). */
function outsideHabit(habit: Exclude<Habit, 'none'>, p: Pattern): boolean {
  const family = (d: string) => (d === 'hour' ? 'daypart' : d);
  return !EXPECTED_PATTERNS[habit]({ tag: null }).some((e) => family(e.dimension) === family(p.dimension));
}

interface Written {
  readonly id: string;
  readonly version: number;
}

class Client {
  private token = '';
  requests = 0;
  userId = '';
  constructor(
    private readonly app: NestFastifyApplication,
    private readonly email: string,
    private readonly timezone: string,
  ) {}

  async register(): Promise<void> {
    const res = await this.raw('POST', '/v1/auth/register', { email: this.email, password: 'simulated user', timezone: this.timezone }, false);
    this.userId = res.json().id;
    await this.login();
  }

  private async login(): Promise<void> {
    this.token = (await this.raw('POST', '/v1/auth/login', { email: this.email, password: 'simulated user' }, false)).json().accessToken;
  }

  private async raw(method: 'GET' | 'POST', url: string, body: unknown, auth: boolean) {
    this.requests++;
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${this.token}`;
    return this.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  }

  /** A call that must succeed; logs in again once if the access token expired during a long run. */
  async call(method: 'GET' | 'POST', url: string, body?: unknown) {
    let res = await this.raw(method, url, body, true);
    if (res.statusCode === 401) {
      await this.login();
      res = await this.raw(method, url, body, true);
    }
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  }
}

const versionOf = (res: { headers: Record<string, unknown> }) => Number(String(res.headers.etag).replaceAll('"', ''));
const pad = (n: number) => String(n).padStart(2, '0');

/** Creates a task as planned, postpones it (an hour each time, same day), and closes it if `close`. */
async function writeTask(client: Client, user: SimUser, t: PlannedTask, title: string, close: boolean): Promise<Written> {
  const at = (hour: number) => `${t.day}T${pad(hour)}:${pad(t.minute)}:00${user.zone.offset}`;
  const created = await client.call('POST', '/v1/tasks', {
    title,
    scheduledFor: t.hour === null ? t.day : at(t.hour - t.deferrals),
    ...(t.estimate === null ? {} : { estimateMinutes: t.estimate }),
    tags: t.tags,
  });
  const id = created.json().id as string;
  let version = versionOf(created);
  for (let d = t.deferrals - 1; d >= 0; d--) version = versionOf(await client.call('POST', `/v1/tasks/${id}/postpone`, { scheduledFor: at(t.hour! - d) }));
  if (close) version = await closeTask(client, id, t);
  return { id, version };
}

async function closeTask(client: Client, id: string, t: PlannedTask): Promise<number> {
  if (t.outcome === 'dropped') return versionOf(await client.call('POST', `/v1/tasks/${id}/drop`, {}));
  if (t.outcome === 'done') return versionOf(await client.call('POST', `/v1/tasks/${id}/complete`, t.actualMinutes === null ? {} : { actualMinutes: t.actualMinutes }));
  return versionOf(await client.call('POST', `/v1/tasks/${id}/fail`, { reason: t.reason }));
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Waits until the projection has applied every written task's last event. */
async function caughtUp(history: LearningHistory, written: readonly Written[], timeoutMs = 120_000): Promise<void> {
  let pending = [...written];
  const deadline = Date.now() + timeoutMs;
  while (pending.length > 0) {
    const states = await Promise.all(pending.map((w) => history.tracked(w.id)));
    pending = pending.filter((w, i) => (states[i]?.version ?? 0) < w.version);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the projection did not catch up: ${pending.length} tasks behind`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Simulates `options.users` users through the real application `app` (booted in embedded mode:
 * PGlite, in-process events, the worker's projection): training outcomes over HTTP, then
 * held-out open tasks scored by the model and both baselines, then closed as planted.
 */
export async function simulate(app: NestFastifyApplication, options: SimOptions): Promise<SimReport> {
  const started = Date.now();
  const concurrency = options.concurrency ?? 4;
  const log = options.log ?? (() => undefined);
  const history = app.get<LearningHistory>(LEARNING_HISTORY);
  const users = Array.from({ length: options.users }, (_, i) => planUser(options.seed, i, options));
  const clients = users.map((u) => new Client(app, `sim-${options.seed}-${u.index}@example.com`, u.zone.name));
  const insights = async (c: Client) => ((await c.call('GET', '/v1/insights')).json().patterns as Pattern[]).map(({ dimension, key, rate, othersRate, statement }) => ({ dimension, key, rate, othersRate, statement }));

  // 1. Training: every task created, postponed and closed over HTTP.
  const trained: Written[] = [];
  let done = 0;
  await pool(users, concurrency, async (u) => {
    const c = clients[u.index]!;
    await c.register();
    for (const [i, t] of u.training.entries()) trained.push(await writeTask(c, u, t, `task ${i}`, true));
    if (++done % 10 === 0 || done === users.length) log(`trained ${done}/${users.length} users`);
  });
  await caughtUp(history, trained);
  const patternsAfterTraining = new Map<number, Pattern[]>();
  for (const u of users) patternsAfterTraining.set(u.index, await insights(clients[u.index]!));

  // 2. Held-out tasks, open; scored once the projection has them (their day's load included).
  const heldOut = new Map<number, Written[]>();
  await pool(users, concurrency, async (u) => {
    const c = clients[u.index]!;
    const written: Written[] = [];
    for (const [i, t] of u.heldOut.entries()) written.push(await writeTask(c, u, t, `held-out ${i}`, false));
    heldOut.set(u.index, written);
  });
  await caughtUp(history, [...heldOut.values()].flat());
  const populationCells = await history.population();
  const populationModel = SuccessModel.build([], populationCells);
  const populationBase = priorFor(sum(populationCells), 'all', '');
  const scores: HeldOutScore[] = [];
  const userCells: Record<number, Cell[]> = {};
  for (const u of users) {
    const cells: Cell[] = await history.cells(clients[u.index]!.userId, {});
    userCells[u.index] = cells;
    const model = SuccessModel.build(cells, populationCells);
    const all = sum(cells.filter((c) => c.dimension === 'all')).get('all|') ?? { done: 0, failed: 0 };
    const baseRate = smoothedRate(all, populationBase);
    for (const [i, w] of heldOut.get(u.index)!.entries()) {
      const t = u.heldOut[i]!;
      if (t.outcome === 'dropped') continue;
      const tracked = (await history.tracked(w.id))!.task!;
      const plan = cells.find((c) => c.dimension === 'plan' && c.day === tracked.scheduledDate);
      const dayLoad = tracked.scheduledDate ? (plan?.n ?? 0) : null;
      const prediction = model.predict(tracked, dayLoad);
      scores.push({
        user: u.index,
        habit: u.habit,
        done: t.outcome === 'done',
        model: prediction.probability,
        baseRate,
        population: populationModel.predict(tracked, dayLoad).probability,
        oracle: t.pDone,
        factors: prediction.factors,
        task: tracked,
        dayLoad,
      });
    }
  }
  log(`scored ${scores.length} held-out tasks`);

  // 3. The held-out tasks close as planted; the insights read again with every outcome in.
  const closed: Written[] = [];
  await pool(users, concurrency, async (u) => {
    const c = clients[u.index]!;
    for (const [i, w] of heldOut.get(u.index)!.entries()) closed.push({ id: w.id, version: await closeTask(c, w.id, u.heldOut[i]!) });
  });
  await caughtUp(history, closed);
  const results: UserResult[] = [];
  for (const u of users) {
    results.push({
      index: u.index,
      habit: u.habit,
      trainingOutcomes: u.training.filter((t) => t.outcome !== 'dropped').length,
      patternsAfterTraining: patternsAfterTraining.get(u.index)!,
      patternsAtEnd: await insights(clients[u.index]!),
    });
  }
  return {
    options: { seed: options.seed, users: options.users, tasks: options.tasks, heldOut: options.heldOut, concurrency },
    users: results,
    scores,
    requests: clients.reduce((n, c) => n + c.requests, 0),
    seconds: (Date.now() - started) / 1000,
    cells: { population: populationCells, users: userCells },
  };
}

// ------------------------------------------------------------------ the summary

export interface Evaluation {
  readonly rows: readonly {
    readonly group: string;
    readonly users: number;
    readonly tasks: number;
    readonly auc: { model: number; baseRate: number; population: number; oracle: number };
    /** Mean over users of each user's own AUC (users whose held-out tasks have both outcomes). */
    readonly userAuc: { model: number; oracle: number; users: number };
    readonly brier: { model: number; baseRate: number; population: number; oracle: number };
  }[];
  readonly calibration: readonly Decile[];
  readonly insights: readonly { readonly habit: Habit; readonly users: number; readonly foundAfterTraining: number; readonly foundAtEnd: number; readonly otherClaimsAfterTraining: number }[];
  /** Pattern-free users with any claim, after training and at the end. */
  readonly falseClaims: { readonly users: number; readonly afterTraining: number; readonly atEnd: number };
  readonly habitFound: { readonly afterTraining: number; readonly atEnd: number };
  readonly example: { readonly habit: Habit; readonly p: number; readonly factors: readonly SuccessFactor[] } | null;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

export function evaluate(report: SimReport): Evaluation {
  const groups: [string, (h: Habit) => boolean][] = [
    ['habit users', (h) => h !== 'none'],
    ...HABITS.filter((h) => h !== 'none').map((h) => [`  ${HABIT_LABELS[h]}`, (x: Habit) => x === h] as [string, (h: Habit) => boolean]),
    ['pattern-free users', (h) => h === 'none'],
  ];
  const rows = groups.map(([group, inGroup]) => {
    const s = report.scores.filter((x) => inGroup(x.habit));
    const as = (f: (x: HeldOutScore) => number) => s.map((x) => ({ p: f(x), done: x.done }));
    const byUser = [...new Set(s.map((x) => x.user))].map((u) => s.filter((x) => x.user === u));
    const userAucs = (f: (x: HeldOutScore) => number) => byUser.map((xs) => auc(xs.map((x) => ({ p: f(x), done: x.done })))).filter((a) => !Number.isNaN(a));
    return {
      group,
      users: byUser.length,
      tasks: s.length,
      auc: { model: auc(as((x) => x.model)), baseRate: auc(as((x) => x.baseRate)), population: auc(as((x) => x.population)), oracle: auc(as((x) => x.oracle)) },
      userAuc: { model: mean(userAucs((x) => x.model)), oracle: mean(userAucs((x) => x.oracle)), users: userAucs((x) => x.model).length },
      brier: { model: brier(as((x) => x.model)), baseRate: brier(as((x) => x.baseRate)), population: brier(as((x) => x.population)), oracle: brier(as((x) => x.oracle)) },
    };
  });
  const users = report.users.map((u) => ({ result: u, planned: planUser(report.options.seed, u.index, report.options) }));
  const insights = HABITS.filter((h) => h !== 'none').map((habit) => {
    const us = users.filter((u) => u.result.habit === habit);
    return {
      habit,
      users: us.length,
      foundAfterTraining: us.filter((u) => habitFound(u.planned, u.result.patternsAfterTraining)).length,
      foundAtEnd: us.filter((u) => habitFound(u.planned, u.result.patternsAtEnd)).length,
      otherClaimsAfterTraining: us.filter((u) => u.result.patternsAfterTraining.some((p) => outsideHabit(habit as Exclude<Habit, 'none'>, p))).length,
    };
  });
  const free = report.users.filter((u) => u.habit === 'none');
  const habitUsers = insights.reduce((n, i) => n + i.users, 0);
  const risky = report.scores.filter((s) => s.habit !== 'none' && s.factors.length > 0).sort((a, b) => a.model - b.model)[0];
  return {
    rows,
    calibration: deciles(report.scores.map((s) => ({ p: s.model, done: s.done }))),
    insights,
    falseClaims: { users: free.length, afterTraining: free.filter((u) => u.patternsAfterTraining.length > 0).length, atEnd: free.filter((u) => u.patternsAtEnd.length > 0).length },
    habitFound: {
      afterTraining: habitUsers ? insights.reduce((n, i) => n + i.foundAfterTraining, 0) / habitUsers : Number.NaN,
      atEnd: habitUsers ? insights.reduce((n, i) => n + i.foundAtEnd, 0) / habitUsers : Number.NaN,
    },
    example: risky ? { habit: risky.habit, p: risky.model, factors: risky.factors } : null,
  };
}

const f3 = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(3));
const pct = (x: number) => (Number.isNaN(x) ? '-' : `${Math.round(x * 100)}%`);

/** The evaluation as markdown tables (what docs/learning.md records). */
export function formatEvaluation(report: SimReport, e: Evaluation): string {
  const o = report.options;
  const outcomes = report.users.map((u) => u.trainingOutcomes);
  const lines = [
    `seed ${o.seed}, ${o.users} users, ${Math.min(...outcomes)}-${Math.max(...outcomes)} training outcomes per user (SIM_TASKS=${o.tasks}), ~${o.heldOut} held-out tasks per user; ${report.scores.length} held-out outcomes scored; ${report.requests} HTTP requests in ${report.seconds.toFixed(0)} s`,
    '',
    '| held-out tasks | users | tasks | AUC model | AUC base rate | AUC population | AUC planted truth | mean per-user AUC (model / truth) | Brier model | Brier base rate | Brier population | Brier planted truth | Brier gain vs base rate |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...e.rows.map(
      (r) =>
        `| ${r.group.trim()} | ${r.users} | ${r.tasks} | ${f3(r.auc.model)} | ${f3(r.auc.baseRate)} | ${f3(r.auc.population)} | ${f3(r.auc.oracle)} | ${f3(r.userAuc.model)} / ${f3(r.userAuc.oracle)} | ${f3(r.brier.model)} | ${f3(r.brier.baseRate)} | ${f3(r.brier.population)} | ${f3(r.brier.oracle)} | ${pct(1 - r.brier.model / r.brier.baseRate)} |`,
    ),
    '',
    '| calibration (all held-out) | tasks | mean predicted | observed done |',
    '|---|---|---|---|',
    ...e.calibration.map((d) => `| ${d.range} | ${d.n} | ${f3(d.meanP)} | ${f3(d.observed)} |`),
    '',
    '| insights (GET /v1/insights) | users | habit stated after training | habit stated at end | users with a claim outside the habit\'s dimension (after training) |',
    '|---|---|---|---|---|',
    ...e.insights.map((i) => `| ${HABIT_LABELS[i.habit]} | ${i.users} | ${i.foundAfterTraining} (${pct(i.foundAfterTraining / i.users)}) | ${i.foundAtEnd} (${pct(i.foundAtEnd / i.users)}) | ${i.otherClaimsAfterTraining} |`),
    `| all planted habits | ${e.insights.reduce((n, i) => n + i.users, 0)} | ${pct(e.habitFound.afterTraining)} | ${pct(e.habitFound.atEnd)} | |`,
    `| pattern-free users: any pattern claimed | ${e.falseClaims.users} | ${e.falseClaims.afterTraining} (${pct(e.falseClaims.afterTraining / e.falseClaims.users)}) | ${e.falseClaims.atEnd} (${pct(e.falseClaims.atEnd / e.falseClaims.users)}) | |`,
  ];
  if (e.example) lines.push('', `riskiest held-out task (${HABIT_LABELS[e.example.habit]}): p = ${e.example.p.toFixed(2)}; ${e.example.factors.map((f) => `${f.text} (${f.effect.toFixed(2)})`).join('; ')}`);
  return lines.join('\n');
}

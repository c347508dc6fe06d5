import type { PendingWrite, PendingWrites, SettledCommand } from '../../application/queued-writes/ports/pending-writes.port';

interface UserWrites {
  readonly writes: Map<string, PendingWrite>;
  /** Task id -> its pending writes' command ids. */
  readonly byTask: Map<string, Set<string>>;
  /** Parent id -> ids of its steps that have pending writes. */
  readonly byParent: Map<string, Set<string>>;
  /** Step id -> its parent (fixed when the step is created). */
  readonly parentOf: Map<string, string>;
  expiresAt: number;
}

/**
 * The pending overlay in this process's memory: for one process (tests, the embedded mode's
 * synchronous path, where nothing is ever pending). Indexed by task and by parent like the Redis
 * adapter. Bounded: decided markers and users' entries expire like Redis' keys.
 */
export class MemoryPendingWrites implements PendingWrites {
  private readonly byUser = new Map<string, UserWrites>();
  private readonly decided = new Map<string, number>();

  constructor(
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async add(userId: string, write: PendingWrite): Promise<number | false> {
    this.sweep();
    if (this.decided.has(`${userId}\u0000${write.commandId}`)) return this.byUser.get(userId)?.writes.size ?? 0;
    const entry = this.byUser.get(userId) ?? { writes: new Map<string, PendingWrite>(), byTask: new Map(), byParent: new Map(), parentOf: new Map(), expiresAt: 0 };
    entry.writes.set(write.commandId, write);
    member(entry.byTask, write.taskId).add(write.commandId);
    if (write.state?.parentId) {
      member(entry.byParent, write.state.parentId).add(write.taskId);
      entry.parentOf.set(write.taskId, write.state.parentId);
    }
    entry.expiresAt = this.now() + this.ttlMs;
    this.byUser.set(userId, entry);
    return entry.writes.size;
  }

  async list(userId: string): Promise<readonly PendingWrite[]> {
    return this.live([...(this.entry(userId)?.writes.values() ?? [])]);
  }

  async ofTask(userId: string, taskId: string): Promise<readonly PendingWrite[]> {
    const entry = this.entry(userId);
    return entry ? this.live(this.writesOfTask(entry, taskId)) : [];
  }

  async ofSteps(userId: string, parentId: string): Promise<readonly PendingWrite[]> {
    const entry = this.entry(userId);
    if (!entry) return [];
    return this.live([...(entry.byParent.get(parentId) ?? [])].flatMap((taskId) => this.writesOfTask(entry, taskId)));
  }

  async get(userId: string, commandId: string): Promise<PendingWrite | null> {
    const write = this.entry(userId)?.writes.get(commandId);
    return write && this.live([write]).length > 0 ? write : null;
  }

  async count(userId: string): Promise<number> {
    return this.entry(userId)?.writes.size ?? 0;
  }

  async settle(decided: readonly SettledCommand[]): Promise<void> {
    this.sweep();
    for (const { userId, commandId, applied } of decided) {
      const entry = this.byUser.get(userId);
      if (entry) forget(entry, commandId);
      this.decided.set(`${userId}\u0000${commandId}`, this.now() + this.ttlMs);
      if (!entry || !applied) continue;
      for (const w of this.writesOfTask(entry, applied.taskId)) if (w.state && w.state.version <= applied.version) forget(entry, w.commandId);
    }
  }

  private entry(userId: string): UserWrites | undefined {
    const entry = this.byUser.get(userId);
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }

  private writesOfTask(entry: UserWrites, taskId: string): PendingWrite[] {
    return [...(entry.byTask.get(taskId) ?? [])].flatMap((id) => entry.writes.get(id) ?? []);
  }

  /** Each write also expires on its own, its TTL after it was accepted. */
  private live(writes: PendingWrite[]): PendingWrite[] {
    const oldest = this.now() - this.ttlMs;
    return writes.filter((w) => Date.parse(w.acceptedAt) > oldest);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, at] of this.decided) {
      // Insertion order is expiry order (one TTL): stop at the first live one.
      if (at > now) break;
      this.decided.delete(k);
    }
    for (const [user, entry] of this.byUser) if (entry.expiresAt <= now || entry.writes.size === 0) this.byUser.delete(user);
  }
}

function member<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

/** Removes a command from the user's writes and indexes (a task with none left leaves its parent's). */
function forget(entry: UserWrites, commandId: string): void {
  const write = entry.writes.get(commandId);
  if (!write) return;
  entry.writes.delete(commandId);
  const ids = entry.byTask.get(write.taskId);
  ids?.delete(commandId);
  if (ids && ids.size > 0) return;
  entry.byTask.delete(write.taskId);
  const parent = entry.parentOf.get(write.taskId);
  if (parent === undefined) return;
  entry.parentOf.delete(write.taskId);
  const steps = entry.byParent.get(parent);
  steps?.delete(write.taskId);
  if (steps?.size === 0) entry.byParent.delete(parent);
}

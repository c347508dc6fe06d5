import type { PendingWrite, PendingWrites, SettledCommand } from '../../application/queued-writes/ports/pending-writes.port';

/**
 * The pending overlay in this process's memory: for one process (tests, the embedded mode's
 * synchronous path, where nothing is ever pending). Bounded: decided markers and users' entries
 * expire like Redis' keys.
 */
export class MemoryPendingWrites implements PendingWrites {
  private readonly byUser = new Map<string, { writes: Map<string, PendingWrite>; expiresAt: number }>();
  private readonly decided = new Map<string, number>();

  constructor(
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async add(userId: string, write: PendingWrite): Promise<number | false> {
    this.sweep();
    if (this.decided.has(`${userId}\u0000${write.commandId}`)) return this.byUser.get(userId)?.writes.size ?? 0;
    const entry = this.byUser.get(userId) ?? { writes: new Map<string, PendingWrite>(), expiresAt: 0 };
    entry.writes.set(write.commandId, write);
    entry.expiresAt = this.now() + this.ttlMs;
    this.byUser.set(userId, entry);
    return entry.writes.size;
  }

  async list(userId: string): Promise<readonly PendingWrite[]> {
    const entry = this.byUser.get(userId);
    if (!entry || entry.expiresAt <= this.now()) return [];
    const oldest = this.now() - this.ttlMs;
    return [...entry.writes.values()].filter((w) => Date.parse(w.acceptedAt) > oldest);
  }

  async settle(decided: readonly SettledCommand[]): Promise<void> {
    this.sweep();
    for (const { userId, commandId, applied } of decided) {
      const writes = this.byUser.get(userId)?.writes;
      writes?.delete(commandId);
      this.decided.set(`${userId}\u0000${commandId}`, this.now() + this.ttlMs);
      if (!writes || !applied) continue;
      for (const [id, w] of writes) if (w.taskId === applied.taskId && w.state && w.state.version <= applied.version) writes.delete(id);
    }
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

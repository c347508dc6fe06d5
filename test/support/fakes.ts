import type { AccessTokens } from '@ln/identity/application/ports/access-tokens.port';
import type { AccountReader, AccountView } from '@ln/identity/application/ports/account-reader.port';
import type { AttemptCount, AttemptCounter } from '@ln/identity/application/ports/attempt-counter.port';
import type { Clock } from '@ln/kernel/application/ports/clock.port';
import type { ConsumeResult, RefreshTokenRecord, RefreshTokenStore } from '@ln/identity/application/ports/refresh-tokens.port';
import type { IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import type { PasswordHasher } from '@ln/identity/application/ports/password-hasher.port';
import type { UserRepository } from '@ln/identity/application/ports/user.repository.port';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import { EmailAlreadyRegistered } from '@ln/identity/domain/user.errors';
import { User } from '@ln/identity/domain/user.aggregate';

/** In-memory stand-ins for the ports, for handler tests. They keep the ports' rules, not their storage. */
export class FixedClock implements Clock {
  constructor(public at = new Date('2026-03-01T09:00:00.000Z')) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

export class SequentialIds implements IdGenerator {
  private n = 0;
  next(): string {
    this.n += 1;
    return `00000000-0000-7000-8000-${String(this.n).padStart(12, '0')}`;
  }
}

export class FakeHasher implements PasswordHasher {
  hashes = 0;
  burns = 0;
  async hash(password: string) {
    this.hashes += 1;
    return `hashed:${password}`;
  }
  async verify(hash: string, password: string) {
    return hash === `hashed:${password}`;
  }
  async burn() {
    this.burns += 1;
  }
}

export class InMemoryUsers implements UserRepository {
  readonly rows = new Map<string, ReturnType<User['snapshot']>>();
  readonly outbox: unknown[] = [];
  async findById(id: string) {
    const r = this.rows.get(id);
    return r ? User.restore(r) : null;
  }
  async findByEmail(email: string) {
    const r = [...this.rows.values()].find((x) => x.email === email);
    return r ? User.restore(r) : null;
  }
  async save(user: User) {
    const events = user.peekEvents();
    if (events.length === 0) return;
    const loaded = events[0].version - 1;
    const existing = this.rows.get(user.id);
    if (!existing && [...this.rows.values()].some((r) => r.email === user.email)) throw new EmailAlreadyRegistered();
    if ((existing?.version ?? 0) !== loaded) throw new ConcurrentModification('user');
    this.rows.set(user.id, user.snapshot());
    this.outbox.push(...user.pullEvents());
  }
}

export class InMemoryAccounts implements AccountReader {
  constructor(private readonly users: InMemoryUsers) {}
  async findById(id: string): Promise<AccountView | null> {
    const r = this.users.rows.get(id);
    return r ? { id: r.id, email: r.email, timezone: r.timezone, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() } : null;
  }
  async timezonesOf(ids: readonly string[]): Promise<Map<string, string>> {
    return new Map(ids.flatMap((id) => (this.users.rows.has(id) ? [[id, this.users.rows.get(id)!.timezone] as [string, string]] : [])));
  }
}

type TokenRow = RefreshTokenRecord & { tokenHash: string; usedAt?: Date; revokedAt?: Date };
export class InMemoryRefreshTokens implements RefreshTokenStore {
  readonly rows: TokenRow[] = [];
  async create(record: RefreshTokenRecord & { tokenHash: string; createdAt: Date }) {
    this.rows.push({ ...record });
  }
  async consume(tokenHash: string, at: Date): Promise<ConsumeResult> {
    const row = this.rows.find((r) => r.tokenHash === tokenHash);
    if (!row) return { status: 'unknown' };
    const token = { id: row.id, userId: row.userId, familyId: row.familyId, expiresAt: row.expiresAt };
    if (row.usedAt || row.revokedAt) return { status: 'reused', token };
    if (row.expiresAt <= at) return { status: 'expired' };
    row.usedAt = at;
    return { status: 'consumed', token };
  }
  async revokeFamily(familyId: string, at: Date) {
    for (const r of this.rows) if (r.familyId === familyId) r.revokedAt ??= at;
  }
  async revokeFamilyOfToken(tokenHash: string, userId: string, at: Date) {
    const row = this.rows.find((r) => r.tokenHash === tokenHash && r.userId === userId);
    if (row) await this.revokeFamily(row.familyId, at);
  }
  async revokeAllForUser(userId: string, at: Date) {
    for (const r of this.rows) if (r.userId === userId) r.revokedAt ??= at;
  }
}

export class FakeAccessTokens implements AccessTokens {
  issued = 0;
  issue(userId: string) {
    this.issued += 1;
    return { token: `token-for:${userId}:${this.issued}`, expiresInSeconds: 900 };
  }
  verify() {
    return null;
  }
}

/** A counter store that is down. */
export class BrokenCounter implements AttemptCounter {
  async increment(): Promise<AttemptCount> {
    throw new Error('connection refused');
  }
  async get(): Promise<AttemptCount> {
    throw new Error('connection refused');
  }
  async reset(): Promise<void> {
    throw new Error('connection refused');
  }
  async decrement(): Promise<void> {
    throw new Error('connection refused');
  }
}

/** No database: work runs as it is, after-commit hooks run at once (every save "commits" itself). */
export class ImmediateUnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  savepoint<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  async afterCommit(hook: () => Promise<void>): Promise<void> {
    await hook();
  }
}

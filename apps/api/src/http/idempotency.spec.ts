import type { AccessTokens } from '@ln/identity/application/ports/access-tokens.port';
import type { BeginResult, IdempotencyStore, StoredResponse } from '@ln/kernel/application/ports/idempotency.port';
import Fastify from 'fastify';
import { handleIdempotencyKeys } from './idempotency';

/** A store that starts every key and records what the hooks ask of it. */
class RecordingStore implements IdempotencyStore {
  readonly calls: string[] = [];
  private renewed = 0;
  private waiting: { count: number; resolve: () => void }[] = [];
  /** Resolves once `count` renewals have been asked for (however long the machine takes). */
  renewals(count: number): Promise<void> {
    return this.renewed >= count ? Promise.resolve() : new Promise((resolve) => this.waiting.push({ count, resolve }));
  }
  async begin(): Promise<BeginResult> {
    this.calls.push('begin');
    return { outcome: 'started', claim: 'claim-1' };
  }
  async renew(_u: string, _k: string, claim: string): Promise<void> {
    this.calls.push(`renew ${claim}`);
    this.renewed += 1;
    for (const w of this.waiting.filter((x) => x.count <= this.renewed)) w.resolve();
    this.waiting = this.waiting.filter((x) => x.count > this.renewed);
  }
  async complete(_u: string, _k: string, response: StoredResponse): Promise<void> {
    this.calls.push(`complete ${response.status}`);
  }
  async release(): Promise<void> {
    this.calls.push('release');
  }
  async purgeExpired(): Promise<number> {
    return 0;
  }
}

const tokens: AccessTokens = {
  issue: () => ({ token: 't', expiresInSeconds: 60 }),
  verify: (token) => (token === 'aaa.bbb.ccc' ? { userId: 'u1', tokenId: 'j', expiresAt: new Date(Date.now() + 60_000) } : null),
};

/** `handler`: how long the route takes, in ms, or a promise it waits for. */
async function app(store: IdempotencyStore, handler: number | (() => Promise<void>), status = 201) {
  const fastify = Fastify();
  handleIdempotencyKeys(fastify, { store, clock: { now: () => new Date() }, tokens, renewEveryMs: 40 });
  fastify.post('/slow', { config: { idempotencyKey: true } }, async (_request, reply) => {
    await (typeof handler === 'number' ? new Promise((r) => setTimeout(r, handler)) : handler());
    return reply.code(status).send({ ok: true });
  });
  fastify.post('/unmarked', async () => ({ ok: true }));
  await fastify.ready();
  return fastify;
}

const keyed = { authorization: 'Bearer aaa.bbb.ccc', 'idempotency-key': 'k-1' };

describe('Idempotency-Key hooks: the claim is renewed while its request runs', () => {
  it('renews a slow request’s claim until it answers, then stores the answer and renews no more', async () => {
    const store = new RecordingStore();
    // The route answers only after its claim has been renewed three times: no timing assumption.
    const fastify = await app(store, () => store.renewals(3));
    const res = await fastify.inject({ method: 'POST', url: '/slow', headers: keyed, payload: {} });
    expect(res.statusCode).toBe(201);
    const renewals = store.calls.filter((c) => c === 'renew claim-1').length;
    expect(renewals).toBeGreaterThanOrEqual(3);
    expect(store.calls.slice(1, 4)).toEqual(['renew claim-1', 'renew claim-1', 'renew claim-1']);
    expect(store.calls[0]).toBe('begin');
    expect(store.calls.at(-1)).toBe('complete 201');
    await new Promise((r) => setTimeout(r, 150));
    expect(store.calls.filter((c) => c === 'renew claim-1')).toHaveLength(renewals);
    await fastify.close();
  });

  it('a failed request releases its claim and stops renewing', async () => {
    const store = new RecordingStore();
    const fastify = await app(store, 100, 409);
    const res = await fastify.inject({ method: 'POST', url: '/slow', headers: keyed, payload: {} });
    expect(res.statusCode).toBe(409);
    expect(store.calls.at(-1)).toBe('release');
    const n = store.calls.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(store.calls).toHaveLength(n);
    await fastify.close();
  });

  it('leaves alone requests without the header, without a valid token, or on unmarked routes', async () => {
    const store = new RecordingStore();
    const fastify = await app(store, 0);
    await fastify.inject({ method: 'POST', url: '/slow', headers: { authorization: keyed.authorization }, payload: {} });
    await fastify.inject({ method: 'POST', url: '/slow', headers: { ...keyed, authorization: 'Bearer x.y.z' }, payload: {} });
    await fastify.inject({ method: 'POST', url: '/unmarked', headers: keyed, payload: {} });
    expect(store.calls).toEqual([]);
    await fastify.close();
  });
});

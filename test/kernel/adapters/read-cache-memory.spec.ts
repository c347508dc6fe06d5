import { ENTRY_OVERHEAD_BYTES, memoryCost, ReadCacheMemory } from '@ln/kernel/adapters/cache/read-cache-memory';

const KB = 1024;
const TTL = 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A value of `chars` ASCII characters (1 KB of value costs 2 KB plus the overhead, see memoryCost). */
const value = (chars: number, fill = 'x') => fill.repeat(chars);
const entry = (chars: number) => ({ version: '1', value: value(chars) });

describe('ReadCacheMemory: byte-bounded read cache entries', () => {
  it('counts an entry at 2 bytes per character plus a fixed overhead, and usage says so', () => {
    const memory = new ReadCacheMemory({ maxBytes: 1024 * KB, maxBytesPerUser: 256 * KB, maxEntryBytes: 64 * KB });
    expect(memory.set('u1', 'rc', 'k', entry(1000), TTL)).toBe(true);
    const cost = memoryCost('u1\u0000rc\u0000k', entry(1000));
    expect(cost).toBe(2 * ('u1\u0000rc\u0000k'.length + 1 + 1000) + ENTRY_OVERHEAD_BYTES);
    expect(memory.usage()).toEqual({ bytes: cost, entries: 1 });
    expect(memory.usage('u1')).toEqual({ bytes: cost, entries: 1 });
    expect(memory.usage('u2')).toEqual({ bytes: 0, entries: 0 });
    expect(memory.get('u1', 'rc', 'k')).toMatchObject(entry(1000));
  });

  it('never holds more than maxBytes in total: the least recently used entries go first', () => {
    const maxBytes = 1024 * KB;
    const memory = new ReadCacheMemory({ maxBytes, maxBytesPerUser: 256 * KB, maxEntryBytes: 16 * KB });
    // 40 users x 10 entries of ~20 KB each (as counted): 8 MB offered, 1 MB allowed.
    for (let u = 0; u < 40; u++) {
      for (let k = 0; k < 10; k++) {
        expect(memory.set(`user-${u}`, 'rc', `k${k}`, entry(10 * KB), TTL)).toBe(true);
        expect(memory.usage().bytes).toBeLessThanOrEqual(maxBytes);
      }
    }
    expect(memory.usage().bytes).toBeGreaterThan(maxBytes * 0.9);
    // The first users' entries were evicted, the last user's are all there.
    expect(memory.get('user-0', 'rc', 'k0')).toBeUndefined();
    for (let k = 0; k < 10; k++) expect(memory.get('user-39', 'rc', `k${k}`)).toBeDefined();
    // The per-user accounting agrees with the total.
    let sum = 0;
    for (let u = 0; u < 40; u++) sum += memory.usage(`user-${u}`).bytes;
    expect(sum).toBe(memory.usage().bytes);
  });

  it("one user's flood stays within its share and does not evict another user's entries", () => {
    const perUser = 256 * KB;
    const memory = new ReadCacheMemory({ maxBytes: 4 * perUser, maxBytesPerUser: perUser, maxEntryBytes: 64 * KB });
    for (let k = 0; k < 5; k++) memory.set('bob', 'rc', `k${k}`, entry(10 * KB), TTL);
    const bobBefore = memory.usage('bob');
    // Alice: 300 distinct queries of ~20 KB (as counted), 6 MB offered against a 256 KB share.
    for (let q = 0; q < 300; q++) {
      expect(memory.set('alice', 'rc', `list:${q}`, entry(10 * KB), TTL)).toBe(true);
      expect(memory.usage('alice').bytes).toBeLessThanOrEqual(perUser);
    }
    expect(memory.usage('bob')).toEqual(bobBefore);
    for (let k = 0; k < 5; k++) expect(memory.get('bob', 'rc', `k${k}`)?.value).toBe(value(10 * KB));
    // Alice keeps her most recent entries, not her oldest.
    expect(memory.get('alice', 'rc', 'list:299')).toBeDefined();
    expect(memory.get('alice', 'rc', 'list:0')).toBeUndefined();
    expect(memory.usage('alice').entries).toBeLessThan(300);
  });

  it("within a user's share, an entry read recently outlives the user's unread ones", () => {
    const memory = new ReadCacheMemory({ maxBytes: 1024 * KB, maxBytesPerUser: 64 * KB, maxEntryBytes: 16 * KB });
    memory.set('alice', 'rc', 'hot', entry(4 * KB), TTL);
    for (let q = 0; q < 40; q++) {
      memory.set('alice', 'rc', `cold:${q}`, entry(4 * KB), TTL);
      expect(memory.get('alice', 'rc', 'hot')).toBeDefined();
    }
    expect(memory.get('alice', 'rc', 'cold:0')).toBeUndefined();
  });

  it('does not keep a value over maxEntryBytes (UTF-8), nor one larger than a user’s share', () => {
    const memory = new ReadCacheMemory({ maxBytes: 1024 * KB, maxBytesPerUser: 64 * KB, maxEntryBytes: 8 * KB });
    expect(memory.set('u1', 'rc', 'ascii', { version: '1', value: value(8 * KB + 1) }, TTL)).toBe(false);
    // 3,000 characters, but 3 bytes each in UTF-8: 9,000 bytes.
    expect(memory.set('u1', 'rc', 'cjk', { version: '1', value: value(3000, '日') }, TTL)).toBe(false);
    expect(memory.usage()).toEqual({ bytes: 0, entries: 0 });
    expect(memory.get('u1', 'rc', 'ascii')).toBeUndefined();
    // At the cap is kept.
    expect(memory.set('u1', 'rc', 'fits', { version: '1', value: value(8 * KB) }, TTL)).toBe(true);

    const tight = new ReadCacheMemory({ maxBytes: 1024 * KB, maxBytesPerUser: 16 * KB, maxEntryBytes: 16 * KB });
    // 16 KB of UTF-8 fits the entry cap but costs ~32 KB in memory: more than the share.
    expect(tight.set('u1', 'rc', 'k', { version: '1', value: value(16 * KB) }, TTL)).toBe(false);
  });

  it('a value replacing an older one under the same key is counted once', () => {
    const memory = new ReadCacheMemory({ maxBytes: 1024 * KB, maxBytesPerUser: 64 * KB, maxEntryBytes: 16 * KB });
    memory.set('u1', 'rc', 'k', entry(8 * KB), TTL);
    memory.set('u1', 'rc', 'k', { version: '2', value: value(1 * KB) }, TTL);
    expect(memory.usage('u1').entries).toBe(1);
    expect(memory.usage()).toEqual({ bytes: memoryCost('u1\u0000rc\u0000k', { version: '2', value: value(1 * KB) }), entries: 1 });
    expect(memory.get('u1', 'rc', 'k')?.version).toBe('2');
  });

  it('expired entries are removed without being read, and their bytes are given back', async () => {
    const memory = new ReadCacheMemory({ maxBytes: 1024 * KB, maxBytesPerUser: 256 * KB, maxEntryBytes: 16 * KB });
    for (let k = 0; k < 10; k++) memory.set('u1', 'rc', `short:${k}`, entry(KB), 50);
    memory.set('u2', 'rc', 'long', entry(KB), TTL);
    expect(memory.usage().entries).toBe(11);
    // Nothing reads them: the TTL alone has to take them out (bounded wait, no timing assert).
    await waitFor('the expired entries to be purged', () => memory.usage().entries === 1);
    expect(memory.usage('u1')).toEqual({ bytes: 0, entries: 0 });
    expect(memory.usage().bytes).toBe(memory.usage('u2').bytes);
    expect(memory.get('u2', 'rc', 'long')).toBeDefined();
  });

  it('an entry is not served after its TTL, by the clock it was given', () => {
    let now = 1_000;
    const memory = new ReadCacheMemory({}, { now: () => now });
    memory.set('u1', 'rc', 'k', entry(10), 100);
    now += 99;
    expect(memory.get('u1', 'rc', 'k')).toBeDefined();
    now += 2;
    expect(memory.get('u1', 'rc', 'k')).toBeUndefined();
    expect(memory.usage()).toEqual({ bytes: 0, entries: 0 });
  });

  it("dropUser removes one user's entries of one namespace only", () => {
    const memory = new ReadCacheMemory();
    for (const [user, ns] of [
      ['u1', 'rc'],
      ['u1', 'lc'],
      ['u10', 'rc'],
      ['u2', 'rc'],
    ]) {
      memory.set(user, ns, 'a', entry(10), TTL);
      memory.set(user, ns, 'b', entry(10), TTL);
    }
    memory.dropUser('u1', 'rc');
    expect(memory.get('u1', 'rc', 'a')).toBeUndefined();
    expect(memory.get('u1', 'rc', 'b')).toBeUndefined();
    for (const [user, ns] of [
      ['u1', 'lc'],
      ['u10', 'rc'],
      ['u2', 'rc'],
    ]) {
      expect(memory.get(user, ns, 'a')).toBeDefined();
    }
    expect(memory.usage('u1').entries).toBe(2);
    expect(memory.usage().entries).toBe(6);
  });

  it('refuses limits that could never be used as given', () => {
    expect(() => new ReadCacheMemory({ maxBytes: 1024, maxBytesPerUser: 2048, maxEntryBytes: 512 })).toThrow(RangeError);
    expect(() => new ReadCacheMemory({ maxBytes: 4096, maxBytesPerUser: 2048, maxEntryBytes: 4096 })).toThrow(RangeError);
    expect(() => new ReadCacheMemory({ maxBytes: 0 })).toThrow(RangeError);
  });
});

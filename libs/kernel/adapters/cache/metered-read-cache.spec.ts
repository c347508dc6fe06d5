import { Metrics } from '../observability/metrics';
import { MemoryReadCache } from './memory-read-cache.adapter';
import { MeteredReadCache, queryOfKey } from './metered-read-cache';

const count = async (metrics: Metrics, name: string, query: string) =>
  Number(
    (await metrics.registry.metrics())
      .split('\n')
      .find((l) => l.startsWith(`${name}{query="${query}"}`))
      ?.split(' ')
      .pop() ?? 0,
  );

describe('MeteredReadCache', () => {
  it('counts a read that loads as a miss and a read served from the cache as a hit, per query', async () => {
    const metrics = new Metrics();
    const cache = new MeteredReadCache(new MemoryReadCache(), metrics);
    const load = async () => 'value';
    await cache.read('u1', 'task:1', load);
    await cache.read('u1', 'task:1', load);
    await cache.read('u1', 'task:1', load);
    await cache.read('u1', 'list:["a"]', load);
    expect(await count(metrics, 'ln_read_cache_misses_total', 'task')).toBe(1);
    expect(await count(metrics, 'ln_read_cache_hits_total', 'task')).toBe(2);
    expect(await count(metrics, 'ln_read_cache_misses_total', 'list')).toBe(1);
    expect(await count(metrics, 'ln_read_cache_hits_total', 'list')).toBe(0);
  });

  it('passes invalidation through: the next read loads again (a miss)', async () => {
    const metrics = new Metrics();
    const cache = new MeteredReadCache(new MemoryReadCache(), metrics);
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.read('u1', 'task:1', load)).toBe('v1');
    await cache.invalidate('u1');
    expect(await cache.read('u1', 'task:1', load)).toBe('v2');
    expect(await count(metrics, 'ln_read_cache_misses_total', 'task')).toBe(2);
  });

  it('counts a read that joined a load already running as a hit (one database read for both)', async () => {
    const metrics = new Metrics();
    const cache = new MeteredReadCache(new MemoryReadCache(), metrics);
    let release!: (v: string) => void;
    const slow = () => new Promise<string>((resolve) => (release = resolve));
    const first = cache.read('u1', 'task:1', slow);
    const second = cache.read('u1', 'task:1', slow);
    release('value');
    expect(await Promise.all([first, second])).toEqual(['value', 'value']);
    expect(await count(metrics, 'ln_read_cache_misses_total', 'task')).toBe(1);
    expect(await count(metrics, 'ln_read_cache_hits_total', 'task')).toBe(1);
  });
});

describe('queryOfKey', () => {
  it('is the key up to its first colon, and never anything else a key may carry', () => {
    expect(queryOfKey('task:0193a0c0-0000-7000-8000-000000000000')).toBe('task');
    expect(queryOfKey('list:[{"status":"open"},"createdAt",50,null,null]')).toBe('list');
    expect(queryOfKey('insights::2026-12-05T18')).toBe('insights');
    expect(queryOfKey('plan:tz')).toBe('plan');
    expect(queryOfKey('0193a0c0:x')).toBe('other');
    expect(queryOfKey('{"a":1}')).toBe('other');
    // A key with no segment could be anything: never a label value.
    expect(queryOfKey('someuserid')).toBe('other');
  });
});

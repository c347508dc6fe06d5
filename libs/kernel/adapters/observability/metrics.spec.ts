import type { EventDeadLetterStats } from '../../application/ports/event-dead-letter-stats.port';
import { Metrics } from './metrics';

const line = (text: string, series: RegExp) => text.split('\n').find((l) => series.test(l));

describe('Metrics: event dead-letter gauges', () => {
  it('reports the dead letters of every subscription and up 1 from one count per scrape', async () => {
    const metrics = new Metrics();
    let calls = 0;
    const asked: number[] = [];
    const stats: EventDeadLetterStats = {
      async deadLetterCounts(timeoutMs) {
        calls += 1;
        asked.push(timeoutMs);
        return new Map([
          ['learning.history', 0],
          ['coach.plans', 3],
        ]);
      },
    };
    metrics.watchEventDeadLetters(stats, { timeoutMs: 700, cacheMs: 60_000 });
    const text = await metrics.registry.metrics();
    expect(line(text, /^ln_event_dead_letters\{subscription="learning.history"\}/)).toBe('ln_event_dead_letters{subscription="learning.history"} 0');
    expect(line(text, /^ln_event_dead_letters\{subscription="coach.plans"\}/)).toBe('ln_event_dead_letters{subscription="coach.plans"} 3');
    expect(text.split('\n').filter((l) => l.startsWith('ln_event_dead_letters{'))).toHaveLength(2);
    expect(line(text, /^ln_event_dead_letter_stats_up /)).toBe('ln_event_dead_letter_stats_up 1');
    // One count for both gauges, given the timeout; a second scrape within the cache reuses it.
    await metrics.registry.metrics();
    expect(calls).toBe(1);
    expect(asked).toEqual([700]);
  });

  it('counts again once the cache has expired, and drops a subscription the transport no longer reports', async () => {
    const metrics = new Metrics();
    let counts = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    let calls = 0;
    metrics.watchEventDeadLetters(
      {
        async deadLetterCounts() {
          calls += 1;
          return counts;
        },
      },
      { timeoutMs: 1000, cacheMs: 50 },
    );
    expect(await metrics.registry.metrics()).toMatch(/^ln_event_dead_letters\{subscription="b"\} 2$/m);
    counts = new Map([['a', 5]]);
    await new Promise((r) => setTimeout(r, 60));
    const text = await metrics.registry.metrics();
    expect(calls).toBe(2);
    expect(text).toMatch(/^ln_event_dead_letters\{subscription="a"\} 5$/m);
    expect(text).not.toMatch(/subscription="b"/);
  });

  it('reports no dead letters (not the last values) when the transport does not answer, and up 0', async () => {
    const metrics = new Metrics();
    let mode: 'ok' | 'hang' | 'fail' = 'ok';
    const stats: EventDeadLetterStats = {
      deadLetterCounts() {
        if (mode === 'hang') return new Promise(() => undefined);
        if (mode === 'fail') return Promise.reject(new Error('not connected'));
        return Promise.resolve(new Map([['learning.history', 4]]));
      },
    };
    metrics.watchEventDeadLetters(stats, { timeoutMs: 50, cacheMs: 0 });
    expect(await metrics.registry.metrics()).toMatch(/^ln_event_dead_letters\{subscription="learning.history"\} 4$/m);

    for (const failure of ['hang', 'fail'] as const) {
      mode = failure;
      const started = Date.now();
      const text = await metrics.registry.metrics();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(text).not.toMatch(/^ln_event_dead_letters\{/m);
      expect(line(text, /^ln_event_dead_letter_stats_up /)).toBe('ln_event_dead_letter_stats_up 0');
      // The rest of the scrape is intact.
      expect(text).toMatch(/^ln_process_cpu_seconds_total /m);
    }

    mode = 'ok';
    const back = await metrics.registry.metrics();
    expect(back).toMatch(/^ln_event_dead_letters\{subscription="learning.history"\} 4$/m);
    expect(line(back, /^ln_event_dead_letter_stats_up /)).toBe('ln_event_dead_letter_stats_up 1');
  });

  it('a process with no subscription reports no series and up 1', async () => {
    const metrics = new Metrics();
    metrics.watchEventDeadLetters({ deadLetterCounts: async () => new Map() });
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/^ln_event_dead_letters\{/m);
    expect(text).toMatch(/^ln_event_dead_letter_stats_up 1$/m);
  });
});

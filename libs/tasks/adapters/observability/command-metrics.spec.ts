import type { CommandQueueDepths, CommandQueueStats } from '../../application/queued-writes/ports/command-queue-stats.port';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { CommandMetrics } from './command-metrics';

const line = (text: string, series: RegExp) => text.split('\n').find((l) => series.test(l));

describe('Metrics: command queue gauges', () => {
  it('reports the depth of every partition, the dead letters and up 1 from one count per scrape', async () => {
    const metrics = new CommandMetrics(new Metrics());
    let calls = 0;
    const stats: CommandQueueStats = {
      async depths(): Promise<CommandQueueDepths> {
        calls += 1;
        return { partitions: [4, 0, 7], deadLetters: 2 };
      },
    };
    metrics.watchCommandQueue(stats, { timeoutMs: 1000, cacheMs: 60_000 });
    const text = await metrics.registry.metrics();
    expect(line(text, /^ln_command_queue_depth\{partition="0"\}/)).toBe('ln_command_queue_depth{partition="0"} 4');
    expect(line(text, /^ln_command_queue_depth\{partition="1"\}/)).toBe('ln_command_queue_depth{partition="1"} 0');
    expect(line(text, /^ln_command_queue_depth\{partition="2"\}/)).toBe('ln_command_queue_depth{partition="2"} 7');
    expect(line(text, /^ln_command_dead_letters /)).toBe('ln_command_dead_letters 2');
    expect(line(text, /^ln_command_queue_stats_up /)).toBe('ln_command_queue_stats_up 1');
    // One broker round for the three gauges, and a second scrape within the cache reuses it.
    await metrics.registry.metrics();
    expect(calls).toBe(1);
  });

  it('reports no depth and no dead letters (not the last values) when the broker does not answer, and up 0', async () => {
    const metrics = new CommandMetrics(new Metrics());
    let mode: 'ok' | 'hang' | 'fail' = 'ok';
    const stats: CommandQueueStats = {
      depths(): Promise<CommandQueueDepths> {
        if (mode === 'hang') return new Promise(() => undefined);
        if (mode === 'fail') return Promise.reject(new Error('not connected'));
        return Promise.resolve({ partitions: [1, 2], deadLetters: 3 });
      },
    };
    metrics.watchCommandQueue(stats, { timeoutMs: 50, cacheMs: 0 });
    expect(await metrics.registry.metrics()).toMatch(/^ln_command_dead_letters 3$/m);

    for (const failure of ['hang', 'fail'] as const) {
      mode = failure;
      const text = await metrics.registry.metrics();
      expect(text).not.toMatch(/^ln_command_queue_depth\{/m);
      expect(text).not.toMatch(/^ln_command_dead_letters /m);
      expect(line(text, /^ln_command_queue_stats_up /)).toBe('ln_command_queue_stats_up 0');
      // The rest of the scrape is intact.
      expect(text).toMatch(/^ln_process_cpu_seconds_total /m);
    }

    mode = 'ok';
    const back = await metrics.registry.metrics();
    expect(line(back, /^ln_command_queue_depth\{partition="1"\}/)).toBe('ln_command_queue_depth{partition="1"} 2');
    expect(line(back, /^ln_command_queue_stats_up /)).toBe('ln_command_queue_stats_up 1');
  });
});

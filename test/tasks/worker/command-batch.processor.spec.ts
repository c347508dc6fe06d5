import { Logger } from '@nestjs/common';
import { type ApplyCommandBatch } from '@ln/tasks/application/queued-writes/apply-command-batch.service';
import { type CommandDelivery, type CommandQueue } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { DependencyUnavailable } from '@ln/kernel/application/application.errors';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { CommandMetrics } from '@ln/tasks/adapters/observability/command-metrics';
import { CommandBatchProcessor } from '../../../apps/worker/src/tasks/command-batch.processor';

function delivery(id: string) {
  return {
    envelope: { commandId: id, userId: 'u', type: 't', payload: {}, issuedAt: '' },
    deliveryCount: 1,
    ack: jest.fn(async () => undefined),
    retry: jest.fn(async () => undefined),
  } satisfies CommandDelivery;
}

/** An applier whose outcome per call is scripted: it acks what it "applied". */
function applier(script: (batch: readonly CommandDelivery[], call: number) => void) {
  const calls: string[][] = [];
  const fake = {
    async apply(batch: readonly CommandDelivery[]) {
      calls.push(batch.map((d) => d.envelope.commandId));
      script(batch, calls.length);
      for (const d of batch) await d.ack();
      return { applied: batch.length, rejected: 0, duplicates: 0 };
    },
  };
  return { fake: fake as unknown as ApplyCommandBatch, calls };
}

const settings = { maxBatch: 10, maxWaitMs: 10, maxBackoffMs: 20 };
const queue = {} as CommandQueue;

beforeAll(() => Logger.overrideLogger(false));

describe('CommandBatchProcessor', () => {
  it('applies a healthy batch once', async () => {
    const { fake, calls } = applier(() => undefined);
    const batch = [delivery('a'), delivery('b')];
    await new CommandBatchProcessor(fake, queue, settings).process(batch);
    expect(calls).toEqual([['a', 'b']]);
    expect(batch.every((d) => d.ack.mock.calls.length === 1 && d.retry.mock.calls.length === 0)).toBe(true);
  });

  it('holds the batch while the database is down, without giving anything back to the broker', async () => {
    const { fake, calls } = applier((_, call) => {
      if (call <= 3) throw new DependencyUnavailable('database');
    });
    const batch = [delivery('a'), delivery('b')];
    await new CommandBatchProcessor(fake, queue, settings).process(batch);
    expect(calls).toHaveLength(4);
    expect(batch.map((d) => [d.ack.mock.calls.length, d.retry.mock.calls.length])).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it('isolates a poison command: the good ones apply, only the poison is given back', async () => {
    const { fake, calls } = applier((batch) => {
      if (batch.some((d) => d.envelope.commandId === 'poison')) throw new Error('bug');
    });
    const batch = [delivery('a'), delivery('poison'), delivery('c')];
    await new CommandBatchProcessor(fake, queue, settings).process(batch);
    expect(calls).toEqual([['a', 'poison', 'c'], ['a'], ['poison'], ['c']]);
    expect(batch.map((d) => [d.envelope.commandId, d.ack.mock.calls.length, d.retry.mock.calls.length])).toEqual([
      ['a', 1, 0],
      ['poison', 0, 1],
      ['c', 1, 0],
    ]);
  });

  it('observes the persistence lag (issuedAt to commit) of each command once its batch has committed', async () => {
    const metrics = new CommandMetrics(new Metrics());
    const lagCount = async () => (await metrics.commandPersistenceLag.get()).values.find((v) => v.metricName === 'ln_command_persistence_lag_seconds_count')?.value;
    let committed = false;
    const { fake } = applier(() => {
      committed = true;
    });
    const issued = (id: string, secondsAgo: number) => {
      const d = delivery(id);
      return { ...d, envelope: { ...d.envelope, issuedAt: new Date(Date.now() - secondsAgo * 1000).toISOString() } };
    };
    const batch = [issued('a', 3), issued('b', 3), delivery('no-issuedAt')];
    expect(await lagCount()).toBe(0);
    await new CommandBatchProcessor(fake, queue, settings, metrics).process(batch);
    expect(committed).toBe(true);
    expect(await lagCount()).toBe(2);
    const sum = (await metrics.commandPersistenceLag.get()).values.find((v) => v.metricName === 'ln_command_persistence_lag_seconds_sum')?.value ?? 0;
    expect(sum).toBeGreaterThanOrEqual(6);
  });

  it('observes each phase the applier reports in ln_command_batch_phase_seconds, by phase', async () => {
    const metrics = new CommandMetrics(new Metrics());
    const fake = {
      async apply(batch: readonly CommandDelivery[], observe?: (phase: string, seconds: number) => void) {
        observe?.('read', 0.002);
        observe?.('write', 0.004);
        observe?.('write', 0.001);
        for (const d of batch) await d.ack();
        return { applied: batch.length, rejected: 0, duplicates: 0 };
      },
    } as unknown as ApplyCommandBatch;
    await new CommandBatchProcessor(fake, queue, settings, metrics).process([delivery('a')]);
    const values = (await metrics.commandBatchPhaseSeconds.get()).values;
    const of = (name: string, phase: string) => values.find((v) => v.metricName === name && v.labels.phase === phase)?.value;
    expect([of('ln_command_batch_phase_seconds_count', 'read'), of('ln_command_batch_phase_seconds_count', 'write')]).toEqual([1, 2]);
    expect(of('ln_command_batch_phase_seconds_sum', 'write')).toBeCloseTo(0.005, 6);
    // Without metrics the applier is not asked to report.
    let asked: unknown = 'unset';
    const bare = { async apply(_b: readonly CommandDelivery[], observe?: unknown) { asked = observe; return { applied: 0, rejected: 0, duplicates: 0 }; } } as unknown as ApplyCommandBatch;
    await new CommandBatchProcessor(bare, queue, settings).process([delivery('b')]);
    expect(asked).toBeUndefined();
  });

  it('does not observe the lag of a batch that did not commit', async () => {
    const metrics = new CommandMetrics(new Metrics());
    const { fake } = applier(() => {
      throw new Error('bug');
    });
    await new CommandBatchProcessor(fake, queue, settings, metrics).process([delivery('a')]);
    expect((await metrics.commandPersistenceLag.get()).values.find((v) => v.metricName === 'ln_command_persistence_lag_seconds_count')?.value).toBe(0);
  });
});

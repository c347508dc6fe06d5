import { BatchWindow, PartitionQueues, type Waiting } from './batch-window';

interface Item extends Waiting {
  readonly name: string;
}

/** A window over two partitions whose timer hands each due batch to `batches`, as an adapter's schedule() does. */
function harness(limits: { maxBatch: number; maxWaitMs: number }) {
  const waiting = new PartitionQueues<Item>(2);
  const batches: string[][] = [];
  let seq = 0;
  const close = () => {
    const batch = window.close(waiting, limits);
    if (batch) batches.push(batch.map((item) => item.name));
  };
  const window = new BatchWindow(close);
  const add = (name: string, partition = 0) => {
    seq += 1;
    waiting.push({ name, partition, seq, readyAt: Date.now() });
    close();
  };
  return { waiting, batches, add, close, window };
}

describe('BatchWindow', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('closes a batch as soon as it holds maxBatch items, without waiting', () => {
    const h = harness({ maxBatch: 3, maxWaitMs: 50 });
    h.add('a');
    h.add('b', 1);
    expect(h.batches).toEqual([]);
    h.add('c');
    expect(h.batches).toEqual([['a', 'b', 'c']]);
    expect(h.waiting.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('hands out at most maxBatch items, earliest arrival first across partitions', () => {
    const h = harness({ maxBatch: 2, maxWaitMs: 50 });
    h.waiting.push({ name: 'a', partition: 1, seq: 1, readyAt: Date.now() });
    h.waiting.push({ name: 'b', partition: 0, seq: 2, readyAt: Date.now() });
    h.waiting.push({ name: 'c', partition: 1, seq: 3, readyAt: Date.now() });
    h.close();
    expect(h.batches).toEqual([['a', 'b']]);
    expect(h.waiting.depths()).toEqual([0, 1]);
  });

  it('closes a smaller batch maxWaitMs after its first item, not before', () => {
    const h = harness({ maxBatch: 10, maxWaitMs: 50 });
    h.add('a');
    jest.advanceTimersByTime(20);
    h.add('b', 1);
    jest.advanceTimersByTime(29);
    expect(h.batches).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(h.batches).toEqual([['a', 'b']]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('measures the wait from the oldest item still waiting, and one handed back is ready anew', () => {
    const h = harness({ maxBatch: 10, maxWaitMs: 50 });
    h.add('a');
    jest.advanceTimersByTime(50);
    expect(h.batches).toEqual([['a']]);
    // Handed back (retried) 10 ms later: it waits a full maxWaitMs again, in front of later ones.
    jest.advanceTimersByTime(10);
    h.add('b');
    h.waiting.putBack({ name: 'a', partition: 0, seq: 1, readyAt: 0 });
    h.close();
    jest.advanceTimersByTime(49);
    expect(h.batches).toEqual([['a']]);
    jest.advanceTimersByTime(1);
    expect(h.batches).toEqual([['a'], ['a', 'b']]);
  });

  it('with maxWaitMs 0 closes every batch at once', () => {
    const h = harness({ maxBatch: 10, maxWaitMs: 0 });
    h.add('a');
    expect(h.batches).toEqual([['a']]);
  });

  it('never delivers an empty batch', () => {
    const h = harness({ maxBatch: 2, maxWaitMs: 50 });
    h.close();
    expect(h.batches).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);

    // Its timer armed, then everything waiting dropped (a channel closed): the timer finds nothing.
    h.add('a');
    expect(jest.getTimerCount()).toBe(1);
    h.waiting.clear();
    jest.advanceTimersByTime(100);
    expect(h.batches).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stop() disarms the timer', () => {
    const h = harness({ maxBatch: 10, maxWaitMs: 50 });
    h.add('a');
    h.window.stop();
    jest.advanceTimersByTime(100);
    expect(h.batches).toEqual([]);
    expect(h.waiting.size).toBe(1);
  });
});

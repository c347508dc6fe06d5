import { EventEmitter } from 'node:events';
import { armShutdownDeadline } from './shutdown-deadline';

/** The deadline's logic with a fake process and a fake timer: nothing here waits for real time. */
describe('armShutdownDeadline', () => {
  function setup(timeoutMs = 10_000) {
    const host = new EventEmitter();
    const timers: { fire: () => void; ms: number; unref: jest.Mock }[] = [];
    const timeouts: [NodeJS.Signals, number][] = [];
    const disarm = armShutdownDeadline({
      signals: ['SIGTERM', 'SIGINT'],
      timeoutMs,
      onTimeout: (signal, ms) => timeouts.push([signal, ms]),
      host: host as never,
      startTimer: (fire, ms) => {
        const timer = { fire, ms, unref: jest.fn() };
        timers.push(timer);
        return timer;
      },
    });
    return { host, timers, timeouts, disarm };
  }

  it('starts nothing until a signal arrives', () => {
    const { timers, host } = setup();
    expect(timers).toHaveLength(0);
    expect(host.listenerCount('SIGTERM')).toBe(1);
    expect(host.listenerCount('SIGINT')).toBe(1);
  });

  it('the first signal starts one unref\'d timer of the configured length; when it fires, onTimeout runs with the signal', () => {
    const { host, timers, timeouts } = setup(2_500);
    host.emit('SIGTERM', 'SIGTERM');
    expect(timers).toHaveLength(1);
    expect(timers[0].ms).toBe(2_500);
    // A shutdown that finishes is not held up by the deadline.
    expect(timers[0].unref).toHaveBeenCalledTimes(1);
    expect(timeouts).toEqual([]);
    timers[0].fire();
    expect(timeouts).toEqual([['SIGTERM', 2_500]]);
  });

  it('leaves no listener once armed, so a re-raised signal meets the default action (the process ends)', () => {
    const { host, timers } = setup();
    host.emit('SIGINT', 'SIGINT');
    expect(host.listenerCount('SIGTERM')).toBe(0);
    expect(host.listenerCount('SIGINT')).toBe(0);
    host.emit('SIGTERM', 'SIGTERM');
    expect(timers).toHaveLength(1);
  });

  it('disarmed before any signal, it never starts', () => {
    const { host, timers, disarm } = setup();
    disarm();
    host.emit('SIGTERM', 'SIGTERM');
    expect(timers).toHaveLength(0);
  });
});

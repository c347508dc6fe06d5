/** What the deadline needs of the process: signals to listen to, and a timer (injected in tests). */
export interface DeadlineHost {
  once(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export type StartTimer = (fire: () => void, ms: number) => { unref(): unknown };

/**
 * Bounds a graceful shutdown (ADR 21): the first of `signals` starts a timer of `timeoutMs`; if the
 * process is still alive when it fires (a hook waiting for a broker that stopped answering, a
 * connection that never drains), `onTimeout` runs, and should log and exit non-zero. The timer
 * is unref'd, so a shutdown that finishes is never held up by it, and its listeners are
 * one-shot: once armed, a second signal meets only Nest's listener (which ends the process with
 * process.exit once its hooks are done). Returns a function that disarms it.
 */
export function armShutdownDeadline(options: {
  readonly signals: readonly NodeJS.Signals[];
  readonly timeoutMs: number;
  readonly onTimeout: (signal: NodeJS.Signals, timeoutMs: number) => void;
  readonly host?: DeadlineHost;
  readonly startTimer?: StartTimer;
}): () => void {
  const host = options.host ?? process;
  const startTimer = options.startTimer ?? ((fire, ms) => setTimeout(fire, ms));
  let armed = false;
  const listener = (signal: NodeJS.Signals) => {
    disarm();
    if (armed) return;
    armed = true;
    startTimer(() => options.onTimeout(signal, options.timeoutMs), options.timeoutMs).unref();
  };
  function disarm() {
    for (const signal of options.signals) host.removeListener(signal, listener);
  }
  for (const signal of options.signals) host.once(signal, listener);
  return disarm;
}

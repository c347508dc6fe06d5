export const STREAM_WAKEUPS = Symbol('StreamWakeups');

export interface WakeupSubscription {
  close(): Promise<void>;
}

/**
 * Tells this process that a user's log has grown (from any process: the relay's NOTIFY at commit).
 * `onListening` runs whenever listening (re)starts: wake-ups sent meanwhile are lost, so every
 * open stream should look again then.
 */
export interface StreamWakeups {
  listen(onWake: (userId: string) => void, onListening: () => void, onError: (message: string) => void): Promise<WakeupSubscription>;
}

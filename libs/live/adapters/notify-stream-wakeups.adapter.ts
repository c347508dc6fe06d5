import type { Database } from '@ln/kernel/adapters/persistence/database';
import { listenForNotifications } from '@ln/kernel/adapters/persistence/notifications';
import { STREAM_CHANNEL } from '@ln/kernel/adapters/persistence/outbox.writer';
import { isUuid } from '@ln/kernel/domain/uuid';
import type { StreamWakeups, WakeupSubscription } from '../application/ports/stream-wakeups.port';

/**
 * Wake-ups from the relay's `pg_notify('ln_stream', user_id)`, sent in its publishing pass and
 * delivered at that pass's commit, to every process listening: PostgreSQL on a dedicated
 * connection (reconnected; `onListening` again after each reconnect), PGlite through its own
 * `listen`. The relay's listener code, on another channel.
 */
export class NotifyStreamWakeups implements StreamWakeups {
  constructor(private readonly db: Database) {}

  listen(onWake: (userId: string) => void, onListening: () => void, onError: (message: string) => void): Promise<WakeupSubscription> {
    return listenForNotifications(
      this.db,
      STREAM_CHANNEL,
      (payload) => {
        if (isUuid(payload)) onWake(payload.toLowerCase());
      },
      { onListening, onError },
    );
  }
}

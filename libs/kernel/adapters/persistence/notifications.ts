import { Client } from 'pg';
import { getPGliteInstance } from 'typeorm-pglite';
import type { Database } from './database';

export interface NotificationListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Told when the listening connection fails; it reconnects by itself. */
  readonly onError?: (message: string) => void;
  /**
   * Called whenever listening (re)starts: notifications sent while it was down are lost, so a
   * caller should look for missed work then.
   */
  readonly onListening?: () => void;
  /** Pause before reconnecting a lost listening connection. Default 1000 ms. */
  readonly reconnectMs?: number;
}

/**
 * LISTENs on `channel` of the database behind `db`. PostgreSQL: a dedicated connection of its
 * own (a pooled one would go back to the pool still listening), reconnected when it drops.
 * PGlite: the one embedded session, through PGlite's own `listen`.
 */
export async function listenForNotifications(
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
  options: ListenOptions = {},
): Promise<NotificationListener> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  return db.engine === 'pglite' ? listenOnPglite(db, channel, onNotify, options) : listenOnPostgres(db, channel, onNotify, options);
}

async function listenOnPglite(
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
  options: ListenOptions,
): Promise<NotificationListener> {
  const pglite = await getPGliteInstance();
  // Under the database's lock: a LISTEN issued inside someone else's open transaction on the one
  // session would be undone if that transaction rolled back.
  const unlisten = await db.run(() => pglite.listen(channel, onNotify));
  options.onListening?.();
  return {
    close: async () => {
      await db.run(() => unlisten()).catch(() => undefined);
    },
  };
}

async function listenOnPostgres(
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
  options: ListenOptions,
): Promise<NotificationListener> {
  const { url, applicationName } = db.dataSource.options as { url?: string; applicationName?: string };
  if (!url) throw new Error('LISTEN needs the database to be configured by URL');
  const reconnectMs = options.reconnectMs ?? 1000;
  let closed = false;
  let client: Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new Client({ connectionString: url, application_name: `${applicationName ?? 'life-navigation'}-listen`, connectionTimeoutMillis: 5000 });
    c.on('notification', (n) => {
      if (n.channel === channel) onNotify(n.payload ?? '');
    });
    let failed = false;
    const lost = (why: string) => {
      if (failed) return;
      failed = true;
      if (client === c) client = undefined;
      c.end().catch(() => undefined);
      if (closed) return;
      options.onError?.(`LISTEN ${channel}: ${why}; reconnecting in ${reconnectMs} ms`);
      timer = setTimeout(() => void connect().catch(() => undefined), reconnectMs);
    };
    c.on('error', (e: Error) => lost(e.message));
    c.on('end', () => lost('connection ended'));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      lost((error as Error).message);
      throw error;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    options.onListening?.();
  };

  // The first attempt may fail (database down at start); the caller polls meanwhile and the
  // reconnect loop keeps trying.
  await connect().catch(() => undefined);
  return {
    close: async () => {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

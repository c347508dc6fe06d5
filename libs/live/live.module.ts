import { Logger, Module } from '@nestjs/common';
import type { AppConfig } from '@ln/config/config';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { APP_CONFIG, type BoundedContext } from '@ln/kernel/kernel.module';
import { NotifyStreamWakeups } from './adapters/notify-stream-wakeups.adapter';
import { SqlEventLog } from './adapters/sql-event-log.adapter';
import { CHANGE_LOG, EVENT_LOG, type EventLog } from './application/ports/event-log.port';
import { STREAM_WAKEUPS, type StreamWakeups } from './application/ports/stream-wakeups.port';
import { END_REASONS, STREAM_SETTINGS, StreamHub, type StreamSettings } from './application/stream-hub.service';
import { SyncFeed } from './application/sync-feed.service';

/**
 * Live updates (ADR 28): each user's event stream, read from the outbox (the kernel's table, which
 * the relay stamps with `stream_seq`) and woken by the relay's NOTIFY, the same in both run modes.
 * Owns no table. The hub listens only once a stream opens, so a worker never does.
 */
@Module({
  providers: [
    { provide: EVENT_LOG, useFactory: (db: Database) => new SqlEventLog(db), inject: [Database] },
    { provide: CHANGE_LOG, useExisting: EVENT_LOG },
    { provide: STREAM_WAKEUPS, useFactory: (db: Database) => new NotifyStreamWakeups(db), inject: [Database] },
    {
      provide: STREAM_SETTINGS,
      useFactory: (config: AppConfig, metrics: Metrics): StreamSettings => {
        const log = new Logger('LiveStreams');
        // Every reason's series from 0, so a first end is a visible increase.
        for (const reason of END_REASONS) metrics.liveStreamsEnded.inc({ reason }, 0);
        return {
          maxResumeEvents: config.live.maxResumeEvents,
          heartbeatMs: config.live.heartbeatSeconds * 1000,
          streamsPerUser: config.live.streamsPerUser,
          streamsPerProcess: config.live.streamsPerProcess,
          onError: (message) => log.warn(message),
          onDelivered: (e) => metrics.liveDeliveryLag.observe(Math.max(0, (Date.now() - Date.parse(e.event.occurredAt)) / 1000)),
          onEnded: (reason) => metrics.liveStreamsEnded.inc({ reason }),
        };
      },
      inject: [APP_CONFIG, Metrics],
    },
    {
      provide: StreamHub,
      useFactory: (log: EventLog, wakeups: StreamWakeups, clock: Clock, settings: StreamSettings, metrics: Metrics) => {
        const hub = new StreamHub(log, wakeups, clock, settings);
        metrics.liveStreamsSource = () => hub.openStreams;
        return hub;
      },
      inject: [EVENT_LOG, STREAM_WAKEUPS, CLOCK, STREAM_SETTINGS, Metrics],
    },
    SyncFeed,
  ],
  exports: [StreamHub, SyncFeed],
})
export class LiveModule {}

export const liveContext: BoundedContext = { name: 'live', module: LiveModule };

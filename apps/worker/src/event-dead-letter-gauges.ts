import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { EVENT_DEAD_LETTER_STATS, type EventDeadLetterStats } from '@ln/kernel/application/ports/event-dead-letter-stats.port';

/**
 * `ln_event_dead_letters{subscription}` and `ln_event_dead_letter_stats_up` on the worker's metrics
 * (and embedded `all`'s): the event subscriptions are the worker's, the api opens none, so only the
 * processes that run this module report them (docs/operations.md).
 */
@Injectable()
export class EventDeadLetterGauges implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @Inject(EVENT_DEAD_LETTER_STATS) private readonly stats: EventDeadLetterStats,
  ) {}

  onModuleInit(): void {
    this.metrics.watchEventDeadLetters(this.stats);
  }
}

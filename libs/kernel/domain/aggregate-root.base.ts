import type { DomainEvent } from './domain-event.base';

/** What an aggregate needs from the outside world to record events. */
export interface EventContext {
  readonly eventId: () => string;
  readonly now: () => Date;
}

export abstract class AggregateRoot {
  private pending: DomainEvent[] = [];

  protected constructor(
    readonly id: string,
    private currentVersion: number,
  ) {}

  get version(): number {
    return this.currentVersion;
  }

  protected abstract readonly aggregateType: string;
  protected abstract readonly ownerId: string;

  protected record<T extends object>(ctx: EventContext, type: string, payload: T, at: Date): void {
    this.currentVersion += 1;
    this.pending.push({
      eventId: ctx.eventId(),
      type,
      aggregateType: this.aggregateType,
      aggregateId: this.id,
      userId: this.ownerId,
      version: this.currentVersion,
      occurredAt: at.toISOString(),
      payload: payload as Record<string, unknown>,
    });
  }

  /** Events recorded since the aggregate was loaded; the unit of work drains them into the outbox. */
  pullEvents(): DomainEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  peekEvents(): readonly DomainEvent[] {
    return this.pending;
  }
}

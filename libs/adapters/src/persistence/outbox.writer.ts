import type { DomainEvent } from '@ln/domain';
import type { EntityManager } from 'typeorm';
import { OutboxSchema } from './schemas';

/** Appends events to the outbox with the caller's transaction: never on its own. */
export async function appendToOutbox(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await manager.getRepository(OutboxSchema).insert(
    events.map((e) => ({
      eventId: e.eventId,
      eventType: e.type,
      aggregateType: e.aggregateType,
      aggregateId: e.aggregateId,
      userId: e.userId,
      aggregateVersion: e.version,
      occurredAt: new Date(e.occurredAt),
      event: e as object,
    })),
  );
}

import type { EventContext } from '../domain/aggregate-root.base';
import type { Clock } from './ports/clock.port';
import type { IdGenerator } from './ports/id-generator.port';

export function eventContext(clock: Clock, ids: IdGenerator): EventContext {
  return { eventId: () => ids.next(), now: () => clock.now() };
}

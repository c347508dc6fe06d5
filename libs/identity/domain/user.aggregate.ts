import { AggregateRoot, type EventContext } from '@ln/kernel/domain/aggregate-root.base';
import type { Email } from './email.value-object';
import { TimeZone } from './timezone.value-object';
import { UserEvents } from './user.events';

export interface UserSnapshot {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly timezone: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export class User extends AggregateRoot {
  protected readonly aggregateType = 'user';

  private constructor(
    id: string,
    version: number,
    readonly email: string,
    private hash: string,
    private zone: string,
    readonly createdAt: Date,
    private updated: Date,
  ) {
    super(id, version);
  }

  protected get ownerId(): string {
    return this.id;
  }

  get passwordHash(): string {
    return this.hash;
  }
  get timezone(): string {
    return this.zone;
  }
  get updatedAt(): Date {
    return this.updated;
  }

  static register(
    ctx: EventContext,
    props: { id: string; email: Email; passwordHash: string; timezone?: TimeZone },
  ): User {
    const at = ctx.now();
    const zone = (props.timezone ?? TimeZone.UTC).value;
    const user = new User(props.id, 0, props.email.value, props.passwordHash, zone, at, at);
    // No email in the event (it would be copied to the outbox, the broker and every consumer's
    // store): `email` stays an optional field of user.registered.v1 that is no longer filled (ADR 20).
    user.record(ctx, UserEvents.Registered, { timezone: zone }, at);
    return user;
  }

  static restore(s: UserSnapshot): User {
    return new User(s.id, s.version, s.email, s.passwordHash, s.timezone, s.createdAt, s.updatedAt);
  }

  /** Returns false (and records nothing) when the zone is already the user's. */
  changeTimezone(ctx: EventContext, zone: TimeZone): boolean {
    if (zone.value === this.zone) return false;
    const at = ctx.now();
    const from = this.zone;
    this.zone = zone.value;
    this.updated = at;
    this.record(ctx, UserEvents.TimezoneChanged, { from, to: zone.value }, at);
    return true;
  }

  snapshot(): UserSnapshot {
    return {
      id: this.id,
      email: this.email,
      passwordHash: this.hash,
      timezone: this.zone,
      version: this.version,
      createdAt: this.createdAt,
      updatedAt: this.updated,
    };
  }
}

import { Email } from './email.value-object';
import { TimeZone } from './timezone.value-object';
import { User } from './user.aggregate';
import { UserEvents } from './user.events';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';

function ctx(start = '2026-01-01T10:00:00.000Z') {
  let n = 0;
  let t = new Date(start).getTime();
  return { eventId: () => `evt-${++n}`, now: () => new Date((t += 1000)) };
}

describe('User', () => {
  it('register records user.registered.v1 with identity, version 1 and UTC by default', () => {
    const user = User.register(ctx(), { id: 'u1', email: Email.parse('Ada@Example.com'), passwordHash: 'h' });
    expect(user.version).toBe(1);
    expect(user.timezone).toBe('UTC');
    expect(user.pullEvents()).toEqual([
      {
        eventId: 'evt-1',
        type: UserEvents.Registered,
        aggregateType: 'user',
        aggregateId: 'u1',
        userId: 'u1',
        version: 1,
        occurredAt: '2026-01-01T10:00:01.000Z',
        payload: { email: 'ada@example.com', timezone: 'UTC' },
      },
    ]);
    expect(user.pullEvents()).toEqual([]);
  });

  it('changeTimezone records the change and bumps the version; the same zone records nothing', () => {
    const c = ctx();
    const user = User.register(c, { id: 'u1', email: Email.parse('a@b.co'), passwordHash: 'h', timezone: TimeZone.parse('Europe/Berlin') });
    user.pullEvents();
    expect(user.changeTimezone(c, TimeZone.parse('Europe/Berlin'))).toBe(false);
    expect(user.peekEvents()).toHaveLength(0);
    expect(user.changeTimezone(c, TimeZone.parse('Asia/Seoul'))).toBe(true);
    const [event] = user.pullEvents();
    expect(event).toMatchObject({ type: UserEvents.TimezoneChanged, version: 2, payload: { from: 'Europe/Berlin', to: 'Asia/Seoul' } });
    expect(user.updatedAt.toISOString()).toBe(event.occurredAt);
  });

  it('restore -> snapshot round-trips without recording events', () => {
    const snap = { id: 'u', email: 'a@b.co', passwordHash: 'h', timezone: 'UTC', version: 7, createdAt: new Date(1), updatedAt: new Date(2) };
    const user = User.restore(snap);
    expect(user.snapshot()).toEqual(snap);
    expect(user.peekEvents()).toHaveLength(0);
  });
});

describe('Email', () => {
  it.each(['a@b.co', ' A@B.CO '])('accepts and normalises %j', (raw) => expect(Email.parse(raw).value).toBe('a@b.co'));
  it.each(['', 'a', 'a@b', '@b.co', 'a b@c.de', `${'x'.repeat(250)}@b.co`])('rejects %j', (raw) => {
    expect(() => Email.parse(raw)).toThrow(InvalidValue);
  });
});

describe('TimeZone', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Seoul'])('accepts %s', (z) => expect(TimeZone.parse(z).value).toBe(z));
  it('fixes the letter case', () => expect(TimeZone.parse('europe/berlin').value).toBe('Europe/Berlin'));
  it.each(['', 'Mars/Olympus', 'GMT+25', 'x'.repeat(65)])('rejects %j with the field named', (z) => {
    try {
      TimeZone.parse(z);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidValue);
      expect((e as InvalidValue).fields).toEqual([{ field: 'timezone', message: expect.any(String) }]);
      expect((e as InvalidValue).code).toBe('invalid_timezone');
    }
  });
});

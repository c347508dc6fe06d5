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
  it('register records user.registered.v1 with identity, version 1 and UTC by default, and no email', () => {
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
        payload: { timezone: 'UTC' },
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

  const nfc = 'jos\u00e9@example.com';
  const nfd = 'jose\u0301@example.com';

  it('spells an address one way: NFC and NFD, upper and lower case, are one address', () => {
    expect(nfc).not.toBe(nfd);
    expect(Email.parse(nfd).value).toBe(nfc);
    expect(Email.parse(nfc.toUpperCase()).value).toBe(nfc);
    expect(Email.parse(nfd).equals(Email.parse(nfc))).toBe(true);
    expect(Email.canonical(` ${nfd.toUpperCase()} `)).toBe(nfc);
  });

  it('spells an internationalised domain one way: its Unicode form, whether typed as Unicode or as punycode', () => {
    expect(Email.parse('ada@B\u00fccher.example').value).toBe('ada@b\u00fccher.example');
    expect(Email.parse('ada@xn--bcher-kva.example').value).toBe('ada@b\u00fccher.example');
    expect(Email.canonical('Ada@XN--BCHER-KVA.example')).toBe('ada@b\u00fccher.example');
  });

  it.each([
    ['Greek', '\u03c7\u03c1\u03ae\u03c3\u03c4\u03b7\u03c2@\u03c0\u03b1\u03c1\u03ac\u03b4\u03b5\u03b9\u03b3\u03bc\u03b1.gr'],
    ['Cyrillic', '\u043f\u043e\u0447\u0442\u0430@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444'],
    ['Han beside Latin', 'user\u7528\u6237@example.com'],
    ['accents', 'zo\u00eb.m\u00fcller@example.de'],
    ['plus and dots', 'first.last+tag@sub.example.co.uk'],
  ])('accepts a real address in %s, and keeps it as parsed', (_label, raw) => {
    const email = Email.parse(raw);
    expect(email.value).toBe(raw.normalize('NFC').toLowerCase());
    expect(Email.canonical(raw)).toBe(email.value);
    expect(Email.parse(email.value).value).toBe(email.value);
  });

  it.each([
    ['a Cyrillic a among Latin letters (local part)', 'p\u0430ypal@example.com'],
    ['a Greek omicron among Latin letters (domain)', 'ada@g\u03bfogle.com'],
    ['a mixed-script punycode label', 'ada@xn--pypal-4ve.com'],
    ['a zero-width joiner', 'ad\u200da@example.com'],
    ['a zero-width space', 'ada\u200b@example.com'],
    ['a right-to-left override', 'ada\u202e@example.com'],
    ['a soft hyphen', 'ad\u00ada@example.com'],
    ['a no-break space', 'ada\u00a0x@example.com'],
    ['a Hangul filler', 'ada\u3164@example.com'],
    ['a control character', 'ada\u0007@example.com'],
    ['full-width letters', '\uff41\uff44\uff41@example.com'],
    ['a ligature', 'of\ufb01ce@example.com'],
    ['mathematical letters', '\ud835\udc1a\ud835\udc1d\ud835\udc1a@example.com'],
    ['a domain UTS #46 refuses', 'ada@xn--zz.example'],
  ])('refuses %s with invalid_email', (_label, raw) => {
    try {
      Email.parse(raw);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidValue);
      expect((e as InvalidValue).code).toBe('invalid_email');
      expect((e as InvalidValue).fields).toEqual([{ field: 'email', message: expect.any(String) }]);
    }
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

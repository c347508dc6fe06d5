import { AggregateRoot, type EventContext } from './aggregate-root.base';
import { DomainError, InvalidValue, rejectNul } from './domain-error.base';
import { isUuid } from './uuid';

class Counter extends AggregateRoot {
  protected readonly aggregateType = 'counter';
  constructor(
    id: string,
    version: number,
    protected readonly ownerId: string,
  ) {
    super(id, version);
  }
  bump(ctx: EventContext, by: number): void {
    this.record(ctx, 'counter.bumped.v1', { by }, new Date('2026-03-01T09:00:00.000Z'));
  }
}

describe('AggregateRoot', () => {
  let n = 0;
  const ctx: EventContext = { eventId: () => `event-${++n}`, now: () => new Date(0) };

  it('records events with identity, numbering versions on from the loaded one', () => {
    const c = new Counter('c1', 3, 'user-1');
    expect(c.version).toBe(3);
    c.bump(ctx, 1);
    c.bump(ctx, 2);
    expect(c.version).toBe(5);
    expect(c.peekEvents()).toEqual([
      { eventId: expect.stringMatching(/^event-/), type: 'counter.bumped.v1', aggregateType: 'counter', aggregateId: 'c1', userId: 'user-1', version: 4, occurredAt: '2026-03-01T09:00:00.000Z', payload: { by: 1 } },
      expect.objectContaining({ version: 5, payload: { by: 2 } }),
    ]);
    expect(new Set(c.peekEvents().map((e) => e.eventId)).size).toBe(2);
  });

  it('peek leaves the events pending; pull hands them over once', () => {
    const c = new Counter('c1', 0, 'user-1');
    c.bump(ctx, 1);
    expect(c.peekEvents()).toHaveLength(1);
    expect(c.peekEvents()).toHaveLength(1);
    expect(c.pullEvents()).toHaveLength(1);
    expect(c.pullEvents()).toEqual([]);
    expect(c.peekEvents()).toEqual([]);
    expect(c.version).toBe(1);
  });
});

describe('domain errors', () => {
  it('InvalidValue is an invalid refusal with its code, naming the field and its message', () => {
    const e = new InvalidValue('invalid_thing', 'thing', 'must be a thing');
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ kind: 'invalid', code: 'invalid_thing', message: 'must be a thing', fields: [{ field: 'thing', message: 'must be a thing' }] });
    // The class name, for logs and stack traces.
    expect(e.name).toBe('InvalidValue');
  });

  it('rejectNul refuses a NUL anywhere in the value (PostgreSQL text cannot hold it) and passes anything else', () => {
    for (const bad of ['\u0000', 'a\u0000', '\u0000b', 'a\u0000b']) {
      expect(() => rejectNul(bad, 'title')).toThrow(InvalidValue);
      try {
        rejectNul(bad, 'notes');
      } catch (error) {
        expect(error).toMatchObject({ kind: 'invalid', code: 'invalid_character', fields: [{ field: 'notes' }] });
      }
    }
    expect(() => rejectNul('plain text \u0001 and \\0', 'title')).not.toThrow();
  });
});

describe('isUuid', () => {
  it('accepts the canonical layout in either case, any version; refuses anything around or missing', () => {
    for (const id of ['018f2c1e-9a4b-7c3d-8e5f-0123456789ab', '018F2C1E-9A4B-7C3D-8E5F-0123456789AB', '00000000-0000-0000-0000-000000000000']) expect(isUuid(id)).toBe(true);
    for (const id of [
      '',
      '018f2c1e9a4b7c3d8e5f0123456789ab', // no hyphens (PostgreSQL would take it; we never issue it)
      ' 018f2c1e-9a4b-7c3d-8e5f-0123456789ab',
      '018f2c1e-9a4b-7c3d-8e5f-0123456789ab ',
      'x018f2c1e-9a4b-7c3d-8e5f-0123456789ab',
      '018f2c1e-9a4b-7c3d-8e5f-0123456789abc',
      '018f2c1-e9a4b-7c3d-8e5f-0123456789ab',
      '018f2c1e-9a4-b7c3d-8e5f-0123456789ab',
      '018f2c1e-9a4b-7c3-d8e5f-0123456789ab',
      '018f2c1e-9a4b-7c3d-8e5-f0123456789ab',
      '018f2c1g-9a4b-7c3d-8e5f-0123456789ab',
      '018f2c1e-9a4b-7c3d-8e5f-0123456789a',
    ])
      expect(isUuid(id)).toBe(false);
  });
});

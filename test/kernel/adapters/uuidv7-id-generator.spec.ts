import { validate, version } from 'uuid';
import { UuidV7IdGenerator } from '@ln/kernel/adapters/system/uuidv7-id-generator.adapter';

describe('UuidV7IdGenerator', () => {
  it('makes valid, unique UUIDv7s that sort in the order they were made (across pool refills)', () => {
    const ids = new UuidV7IdGenerator();
    const made = Array.from({ length: 5_000 }, () => ids.next());
    for (const id of made.slice(0, 50)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
  });

  it('carries the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = new UuidV7IdGenerator().next();
    const after = Date.now();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
  });
});

import { nestsDeeperThan, unstorableText } from './validation';

describe('unstorableText: text no field may hold', () => {
  it('finds lone surrogates (high or low, anywhere in the string) and NUL, naming the field as validation does', () => {
    expect(
      unstorableText({ title: '\ud800', notes: 'a\udc00b', tags: ['fine', 'x\udbff'], failure: { note: 'nul\u0000' }, ok: 'plain' }, 'body'),
    ).toEqual([
      { field: 'title', message: expect.stringMatching(/well-formed Unicode/) },
      { field: 'notes', message: expect.stringMatching(/well-formed Unicode/) },
      { field: 'tags.1', message: expect.stringMatching(/well-formed Unicode/) },
      { field: 'failure.note', message: 'must not contain NUL characters' },
    ]);
  });

  it('accepts well-formed pairs (emoji, astral characters) and every other character', () => {
    const text = '🚀 𝄞 \ud83c\udf89 é\u0301 \u202e \ufeff \uffff \t\r\n 日本語';
    expect(unstorableText({ title: text, tags: [text] }, 'body')).toEqual([]);
  });

  it('names a single parameter after itself, the fields of a body or of the whole query by their path, the root of a body `body`', () => {
    expect(unstorableText('\u0000', 'id', true)).toEqual([{ field: 'id', message: 'must not contain NUL characters' }]);
    expect(unstorableText('\ud800', 'body')).toEqual([{ field: 'body', message: expect.any(String) }]);
    expect(unstorableText({ tag: 'a\u0000b', limit: '5' }, 'query')).toEqual([{ field: 'tag', message: 'must not contain NUL characters' }]);
    expect(unstorableText({ 'a\u0000': '1' }, 'query')).toEqual([{ field: 'query', message: 'a field name must not contain NUL characters' }]);
    expect(unstorableText(['a', ['b', '\ud800']], 'tag', true)).toEqual([{ field: 'tag.1.1', message: expect.any(String) }]);
  });

  it('checks field names too (reported on the object that holds them)', () => {
    expect(unstorableText({ 'ti\u0000tle': 'x', nested: { '\udfff': 1 } }, 'body')).toEqual([
      { field: 'body', message: 'a field name must not contain NUL characters' },
      { field: 'nested', message: expect.stringMatching(/^a field name must be well-formed Unicode/) },
    ]);
  });

  it('ignores what is not text, and stops at 50 fields', () => {
    expect(unstorableText({ a: 1, b: null, c: true, d: undefined, e: [1.5, {}] }, 'body')).toEqual([]);
    expect(unstorableText(Array.from({ length: 500 }, () => '\u0000'), 'tags')).toHaveLength(50);
  });

  it('walks a value nested 100,000 deep without overflowing the stack', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableText(deep, 'body')).toEqual([{ field: expect.stringMatching(/^0(\.0)+$/), message: expect.any(String) }]);
  });
});

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(nestsDeeperThan({ title: 'x', tags: ['a'] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: { b: { c: 1 } } }, 2)).toBe(true);
    expect(nestsDeeperThan('x', 0)).toBe(false);
    expect(nestsDeeperThan([[[]]], 3)).toBe(false);
    expect(nestsDeeperThan([[[[]]]], 3)).toBe(true);
  });

  it('answers for 100,000 levels without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    expect(nestsDeeperThan(deep, 32)).toBe(true);
  });
});

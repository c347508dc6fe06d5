import { leadingWord, startsWithVerb, vaguenessOf, wordsOf } from './wording';

describe('wording', () => {
  it('reads the words of a title without punctuation', () => {
    expect(wordsOf('Call Mom — re: the trip!')).toEqual(['call', 'mom', 're', 'the', 'trip']);
    expect(wordsOf("Don't forget e-mail")).toEqual(["don't", 'forget', 'e-mail']);
  });

  it('finds the verb after fillers, and treats a noun-like first word as no verb', () => {
    expect(leadingWord('Please, need to write the memo')).toBe('write');
    expect(startsWithVerb('Need to call the bank')).toBe(true);
    expect(startsWithVerb('Bank call')).toBe(false);
    expect(startsWithVerb('Taxes 2026')).toBe(false);
    expect(startsWithVerb('...')).toBe(false);
  });

  it('measures short and long titles and a missing estimate', () => {
    expect(vaguenessOf('Fix it', 30)).toEqual({ verbless: false, tooShort: true, tooLong: false, noEstimate: false });
    expect(vaguenessOf('Call Bob now', 30)).toMatchObject({ tooShort: false });
    expect(vaguenessOf('Pay rent', 30)).toMatchObject({ tooShort: true });
    expect(vaguenessOf('Plan one two three four five six seven eight nine ten eleven', 30)).toMatchObject({ tooLong: false });
    expect(vaguenessOf('Plan one two three four five six seven eight nine ten eleven twelve', 30)).toMatchObject({ tooLong: true });
    expect(vaguenessOf('Write the quarterly memo', null)).toEqual({ verbless: false, tooShort: false, tooLong: false, noEstimate: true });
    expect(vaguenessOf('Write the quarterly memo', 0).noEstimate).toBe(true);
  });
});

import { describeVagueness, leadingWord, startsWithVerb, vaguenessOf, wordsOf } from './wording';

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
    // Three words but under 12 characters, once the padding is trimmed.
    expect(vaguenessOf('Do a tax', 30).tooShort).toBe(true);
    expect(vaguenessOf('   Go to gym   ', 30).tooShort).toBe(true);
    // Under three words, however long they are.
    expect(vaguenessOf('Refactoring authentication', 30).tooShort).toBe(true);
  });

  it('reads at most 200 words of a title, and none of one without letters or digits', () => {
    expect(wordsOf('word '.repeat(300))).toHaveLength(200);
    expect(wordsOf('... — !')).toEqual([]);
  });

  // The vocabulary is behaviour: a verb missing from it makes every task starting with it "verbless"
  // (a sign of vagueness the coach acts on). Listed here as the coach reads it.
  it.each(
    [
    'add answer apply arrange ask assemble attend back bake book build buy calculate call cancel',
    'change check choose clean clear close code collect compare complete compose configure confirm',
    'contact cook copy create debug decide declutter define delete deliver deploy design develop do',
    'download draft draw drop dust edit email e-mail empty enroll estimate exercise explain export',
    'file fill finish fix follow gather get give go hang help implement import install invite iron',
    'join learn list look mail make meet message migrate mop move note order organise organize',
    'outline pack paint pay phone pick plan practice practise prepare print proofread publish put',
    'read rebuild record refactor register remove renew repair replace reply report request research',
    'reserve return review revise rewrite ring run schedule scan sell send set setup share ship shop',
    'sign sort start study submit summarise summarize take talk test text tidy translate try unpack',
    'update upload vacuum visit wash watch water write',
    ]
      .join(' ')
      .split(' '),
  )('reads "%s ..." as starting with an action', (verb) => {
    expect(startsWithVerb(`${verb} the thing for Monday`)).toBe(true);
  });

  it.each(['please', 'to', 'must', 'should', 'need', 'needs', 'finally', 'quickly', 'todo', 'then'])('skips the filler "%s" before the verb', (filler) => {
    expect(leadingWord(`${filler} write the memo`)).toBe('write');
  });

  it('says what is vague in one sentence', () => {
    const all = vaguenessOf('Taxes', null);
    expect(describeVagueness(all)).toBe('the title does not start with an action (a verb), the title is very short and it has no estimate');
    expect(describeVagueness(vaguenessOf('Plan one two three four five six seven eight nine ten eleven twelve', 30))).toBe('the title is very long (several tasks in one?)');
    expect(describeVagueness(vaguenessOf('Write the quarterly memo', 30))).toBe('');
  });
});

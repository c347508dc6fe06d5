import { SuccessModel } from './success-model';
import { historyOf, openTask } from './success-model.fixtures';
import { totalsOf } from './totals';

/** Inputs at the edge of what the model is built for: a user with more than ten tags (indices of two digits). */
describe('SuccessModel.predict: inputs at the edges of its API', () => {
  it('tells the 11th tag from the 1st and 2nd (a task tagged #a10 only is not tagged #a00 or #a01)', () => {
    // Eleven tags, a00 ... a10 (indices 0 ... 10): #a00 and #a01 tasks always fail, the rest are done.
    const cells = historyOf((add) => {
      add(12, 0, { tags: ['a00'] });
      add(12, 0, { tags: ['a01'] });
      for (let i = 2; i <= 10; i++) add(4, 4, { tags: [`a${String(i).padStart(2, '0')}`] });
    });
    const model = SuccessModel.build(totalsOf(cells), []);
    const tenth = model.predict(openTask({ tags: ['a10'] }), null);
    const first = model.predict(openTask({ tags: ['a00'] }), null);
    // The #a00 task carries the tag's failures; the #a10 task does not.
    expect(first.factors.some((f) => f.text.startsWith('tagged #a00'))).toBe(true);
    expect(tenth.factors.some((f) => /^tagged #a0[01]/.test(f.text))).toBe(false);
    expect(tenth.probability).toBeGreaterThan(first.probability);
  });
});

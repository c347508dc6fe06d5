import { SuccessModel } from './success-model';
import { GOLDEN_CASES } from './success-model.fixtures';

/**
 * The model's outputs pinned, to 9 decimals, for histories that exercise every dimension
 * (`success-model.fixtures.ts`): the model as the sim measured it (seed 20261205: AUC 0.8049,
 * Brier 31% better than the base rate; docs/learning.md, ADR 16). The behavioural specs in
 * `success-model.spec.ts` say which way each dimension moves a chance; these say by how much, so
 * no change to the arithmetic (a weight, a prior, a smoothing, a tie rule, a clamp) goes
 * unnoticed. Changing the model on purpose: run `npm run sim` (or `sim:rescore`), record the
 * figures in docs/learning.md, then update these with the new outputs.
 */
type Expected = readonly (readonly [probability: number, factors: readonly (readonly [text: string, effect: number])[]])[];

const EXPECTED: Record<string, Expected> = {
  "a new user, read by the population (with its load totals)": [
    [0.6409351368587887, []],
    [0.5653674548771961, []],
    [0.6571428571428571, []],
    [0.7328984348272185, []],
    [0.46599728608103386, []],
    [0.6980121805380891, []],
    [0.46599728608103386, []],
    [0.6409351368587887, []],
  ],
  "long tasks fail; tasks without an estimate like the short ones": [
    [0.9021796792599065, [["estimate 60 min or less, a size you usually finish (27 of 30 done)", 1.3979586665290913]]],
    [0.2113102159711556, [["estimate over 60 min, larger than you usually finish (2 of 12 done)", -2.1407684964219946]]],
    [0.8982925939732703, []],
    [0.9092378708096003, [["estimate 60 min or less, a size you usually finish (27 of 30 done)", 1.3979586665290913]]],
    [0.8184751107882844, [["estimate 60 min or less, a size you usually finish (27 of 30 done)", 1.3979738351728734]]],
    [0.9004873920975701, [["estimate 60 min or less, a size you usually finish (27 of 30 done)", 1.3979586665290913]]],
    [0.8184728571173256, [["estimate 60 min or less, a size you usually finish (27 of 30 done)", 1.3979586665290913]]],
    [0.9021796792599065, [["estimate 60 min or less, a size you usually finish (27 of 30 done)", 1.3979586665290913]]],
  ],
  "late hours fail, the night after midnight too": [
    [0.2777640012492908, [["scheduled at 10:00 or later: 3 of 18 such tasks done", -1.660336975253378]]],
    [0.22573896627977044, [["scheduled at 10:00 or later: 3 of 18 such tasks done", -1.660336975253378]]],
    [0.8856893320669756, []],
    [0.21524010351391282, [["scheduled at 10:00 or later: 3 of 18 such tasks done", -2.0655606463908267]]],
    [0.10811926073035408, [["scheduled at 10:00 or later: 3 of 18 such tasks done", -2.0992080751050617]]],
    [0.27234244473421343, [["scheduled at 10:00 or later: 3 of 18 such tasks done", -1.660336975253378]]],
    [0.15826073111201436, [["scheduled at 10:00 or later: 3 of 18 such tasks done", -1.660336975253378]]],
    [0.2777640012492908, [["scheduled at 10:00 or later: 3 of 18 such tasks done", -1.660336975253378]]],
  ],
  "Saturdays fail": [
    [0.99, [["scheduled on another day than Saturday: 36 of 36 such tasks done", 2.539917283681358]]],
    [0.99, [["scheduled on another day than Saturday: 36 of 36 such tasks done", 2.539917283681358]]],
    [0.99, []],
    [0.99, [["3 tasks scheduled that day: 40 of 40 done on days with fewer than 5", 3.6574296038941077], ["scheduled on another day than Saturday: 36 of 36 such tasks done", 2.539917283681358]]],
    [0.8105040102116049, [["scheduled on another day than Saturday: 36 of 36 such tasks done", 2.539917283681358], ["8 tasks scheduled that day: 2 of 12 done on days with 5 or more", -2.402872814510304]]],
    [0.9669036176330644, [["1 task scheduled that day: 40 of 40 done on days with fewer than 5", 3.6574296038941077], ["scheduled on a Saturday: 6 of 16 such tasks done", -1.5989987248800919]]],
    [0.760543871283747, [["12 tasks scheduled that day: 2 of 12 done on days with 5 or more", -2.7004976652434083], ["scheduled on another day than Saturday: 36 of 36 such tasks done", 2.539917283681358]]],
    [0.99, [["scheduled on another day than Saturday: 36 of 36 such tasks done", 2.539917283681358]]],
  ],
  "tags: #admin fails, #home is done; and every task tagged one or the other": [
    [0.7499254341368622, [["not tagged #admin: 26 of 30 such tasks done", 0.48976451770813995]]],
    [0.7499254341368622, [["not tagged #admin: 26 of 30 such tasks done", 0.48976451770813995]]],
    [0.7472807359077603, [["not tagged #admin: 26 of 30 such tasks done", 0.48976451770813995]]],
    [0.7499254341368622, [["not tagged #admin: 26 of 30 such tasks done", 0.48976451770813995]]],
    [0.7499254341368622, [["not tagged #admin: 26 of 30 such tasks done", 0.48976451770813995]]],
    [0.7469852912882018, [["not tagged #admin: 26 of 30 such tasks done", 0.48976451770813995]]],
    [0.46492037952049886, [["tagged #admin: 6 of 20 such tasks done", -0.748999520946012]]],
    [0.8380655748295508, [["not tagged #admin: 26 of 30 such tasks done", 1.0354547527342939]]],
  ],
  "postponed tasks and busy days fail": [
    [0.7271732815857955, [["never postponed: 48 of 83 tasks postponed at most once done", 0.24796666685080712]]],
    [0.6696302631716178, [["never postponed: 48 of 83 tasks postponed at most once done", 0.24796666685080712]]],
    [0.7208579083257877, [["never postponed: 48 of 83 tasks postponed at most once done", 0.24796666685080712]]],
    [0.7184205157194179, [["3 tasks scheduled that day: 41 of 62 done on days with fewer than 5", 0.6344111129249259], ["never postponed: 48 of 83 tasks postponed at most once done", 0.24796666685080712]]],
    [0.2951625473209418, [["8 tasks scheduled that day: 10 of 40 done on days with 5 or more", -1.1726701938528252], ["never postponed: 48 of 83 tasks postponed at most once done", 0.24796666685080712]]],
    [0.6954794095476151, [["1 task scheduled that day: 41 of 62 done on days with fewer than 5", 0.678453994181532], ["postponed once: 48 of 83 tasks postponed at most once done", 0.1514114227464397]]],
    [0.07738258601563566, [["postponed 5 times: 3 of 19 tasks postponed 2 or more times done", -1.3600452103980283], ["12 tasks scheduled that day: 10 of 40 done on days with 5 or more", -1.1726701938528252]]],
    [0.7271732815857955, [["never postponed: 48 of 83 tasks postponed at most once done", 0.24796666685080712]]],
  ],
  "a population without load totals": [
    [0.7497656366231392, [["estimate 60 min or less, a size you usually finish (12 of 15 done)", 0.5241339876274023], ["scheduled on another day than Wednesday: 14 of 22 such tasks done", 0.10327381499537293]]],
    [0.4571358653522988, [["estimate over 60 min, larger than you usually finish (3 of 10 done)", -0.7451071844491555], ["scheduled on another day than Wednesday: 14 of 22 such tasks done", 0.10327381499537293]]],
    [0.7413235360777871, []],
    [0.7066108795073095, [["estimate 60 min or less, a size you usually finish (12 of 15 done)", 0.5241339876274023], ["scheduled at 15:00 or later: 3 of 10 such tasks done", -0.19373847170923192], ["scheduled on another day than Wednesday: 14 of 22 such tasks done", 0.10327381499537293]]],
    [0.7066108795073095, [["estimate 60 min or less, a size you usually finish (12 of 15 done)", 0.5241339876274023], ["scheduled at 15:00 or later: 3 of 10 such tasks done", -0.19373847170923192], ["scheduled on another day than Wednesday: 14 of 22 such tasks done", 0.10327381499537293]]],
    [0.7277529366695643, [["estimate 60 min or less, a size you usually finish (12 of 15 done)", 0.5241339876274023]]],
    [0.7497656366231392, [["estimate 60 min or less, a size you usually finish (12 of 15 done)", 0.5241339876274023], ["scheduled on another day than Wednesday: 14 of 22 such tasks done", 0.10327381499537293]]],
    [0.7497656366231392, [["estimate 60 min or less, a size you usually finish (12 of 15 done)", 0.5241339876274023], ["scheduled on another day than Wednesday: 14 of 22 such tasks done", 0.10327381499537293]]],
  ],
  "extremes: clamped to [0.01, 0.99]": [
    [0.01, [["estimate over 60 min, larger than you usually finish (0 of 150 done)", -5.5261969186951365], ["scheduled at 16:00 or later: 0 of 150 such tasks done", -5.5261969186951365], ["tagged #a: 0 of 150 such tasks done", -4.529079864659481]]],
    [0.99, [["scheduled before 16:00: 150 of 150 such tasks done", 5.511866020353354], ["estimate 60 min or less, a size you usually finish (150 of 150 done)", 5.511866020353352], ["tagged #d: 150 of 150 such tasks done", 4.5148899239404905]]],
  ],
};

describe('SuccessModel: outputs pinned', () => {
  it('covers every case', () => {
    expect(Object.keys(EXPECTED)).toEqual(GOLDEN_CASES.map((c) => c.name));
  });

  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const model = SuccessModel.build(c.user(), c.population());
    const expected = EXPECTED[name]!;
    expect(c.tasks).toHaveLength(expected.length);
    c.tasks.forEach(([task, load], i) => {
      const { probability, factors } = model.predict(task, load);
      const [p, named] = expected[i]!;
      expect(probability).toBeCloseTo(p, 9);
      expect(factors.map((f) => f.text)).toEqual(named.map(([text]) => text));
      factors.forEach((f, k) => expect(f.effect).toBeCloseTo(named[k]![1], 9));
    });
  });
});

import { type StepWording, StepWordingFailed, type StepWordingRequest, type WordedSteps } from '../ports/step-wording.port';
import { acceptedTitle, chooseTitles } from './step-titles';

function request(titles: string[]): StepWordingRequest {
  return {
    userId: 'user-1',
    today: '2026-03-01',
    task: { title: 'Write the report', estimateMinutes: 90, tags: [] },
    kind: 'writing',
    cause: 'too_big',
    steps: titles.map((builtInTitle) => ({ estimateMinutes: 25, builtInTitle })),
  } as StepWordingRequest;
}

function answering(answer: WordedSteps | (() => Promise<WordedSteps>)): StepWording & { asked: StepWordingRequest[] } {
  const asked: StepWordingRequest[] = [];
  return {
    asked,
    word: (r) => {
      asked.push(r);
      return typeof answer === 'function' ? answer() : Promise.resolve(answer);
    },
  };
}

describe('acceptedTitle', () => {
  it('keeps a one-line title with a letter or digit, up to 200 characters, cleaned', () => {
    expect(acceptedTitle('Outline the intro')).toBe('Outline the intro');
    expect(acceptedTitle('  Draft   section 2  ')).toBe('Draft section 2');
    expect(acceptedTitle('7')).toBe('7');
    expect(acceptedTitle('x'.repeat(200))).toBe('x'.repeat(200));
  });

  it.each([
    ['not a string', 42],
    ['null', null],
    ['longer than 200', 'x'.repeat(201)],
    ['two lines (\\n)', 'one\ntwo'],
    ['two lines (\\r)', 'one\rtwo'],
    ['a line separator', 'one\u2028two'],
    ['a paragraph separator', 'one\u2029two'],
    ['a next-line character', 'one\u0085two'],
    ['a vertical tab', 'one\vtwo'],
    ['a form feed', 'one\ftwo'],
    ['no letter or digit', ' -- !! '],
    ['empty', ''],
  ])('refuses %s', (_, raw) => {
    expect(acceptedTitle(raw)).toBeNull();
  });
});

describe('chooseTitles', () => {
  it('no steps: asks nothing', async () => {
    const wording = answering({ titles: [], by: 'llm:m' });
    await expect(chooseTitles(wording, request([]))).resolves.toEqual({ titles: [], generatedBy: 'built-in' });
    expect(wording.asked).toEqual([]);
  });

  it('keeps each good worded title and the built-in one for a bad or missing one, and says what worded them', async () => {
    const wording = answering({ titles: ['Outline it', 'two\nlines'], by: 'llm:model-x' });
    const r = request(['Built one', 'Built two', 'Built three']);
    await expect(chooseTitles(wording, r)).resolves.toEqual({ titles: ['Outline it', 'Built two', 'Built three'], generatedBy: 'llm:model-x' });
    expect(wording.asked).toEqual([r]);
  });

  it('the built-in source answers as built-in, whatever it returned', async () => {
    await expect(chooseTitles(answering({ titles: ['A', 'B'], by: 'built-in' }), request(['x', 'y']))).resolves.toEqual({ titles: ['A', 'B'], generatedBy: 'built-in' });
    await expect(chooseTitles(answering({ titles: [], by: 'built-in' }), request(['x']))).resolves.toEqual({ titles: ['x'], generatedBy: 'built-in' });
  });

  it('no usable title at all (or titles that are not a list): every built-in title, and the plan says why', async () => {
    await expect(chooseTitles(answering({ titles: ['', 5], by: 'llm:m' }), request(['x', 'y']))).resolves.toEqual({ titles: ['x', 'y'], generatedBy: 'built-in (fallback: no usable title)' });
    await expect(chooseTitles(answering({ titles: 'A' as unknown as string[], by: 'llm:m' }), request(['x']))).resolves.toEqual({
      titles: ['x'],
      generatedBy: 'built-in (fallback: no usable title)',
    });
  });

  it('a failing source: every built-in title, the reason cleaned and cut to 60 characters', async () => {
    const failing = (error: unknown) => answering(() => Promise.reject(error));
    await expect(chooseTitles(failing(new StepWordingFailed('timeout')), request(['x']))).resolves.toEqual({ titles: ['x'], generatedBy: 'built-in (fallback: timeout)' });
    await expect(chooseTitles(failing(new Error('boom')), request(['x']))).resolves.toEqual({ titles: ['x'], generatedBy: 'built-in (fallback: error)' });
    await expect(chooseTitles(failing(new StepWordingFailed('rate <limited>\n\n  429')), request(['x']))).resolves.toMatchObject({ generatedBy: 'built-in (fallback: rate limited 429)' });
    await expect(chooseTitles(failing(new StepWordingFailed('model: gpt-4o/mini_v1.2-x')), request(['x']))).resolves.toMatchObject({ generatedBy: 'built-in (fallback: model: gpt-4o/mini_v1.2-x)' });
    await expect(chooseTitles(failing(new StepWordingFailed('!!!')), request(['x']))).resolves.toMatchObject({ generatedBy: 'built-in (fallback: error)' });
    const long = await chooseTitles(failing(new StepWordingFailed('a'.repeat(100))), request(['x']));
    expect(long.generatedBy).toBe(`built-in (fallback: ${'a'.repeat(60)})`);
  });
});

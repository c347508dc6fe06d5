import { MAX_TITLE_LENGTH, safeStepTitle } from '../../domain/templates';
import { type StepWording, StepWordingFailed, type StepWordingRequest } from '../ports/step-wording.port';

/** The titles a plan's steps get, and what the plan says made them (`generatedBy`). */
export interface ChosenTitles {
  readonly titles: string[];
  readonly generatedBy: string;
}

/** Longest fallback reason kept in `generatedBy`. */
const MAX_REASON_LENGTH = 60;

/**
 * A worded title as stored, or null when it is bad: not a string, blank (no letter or digit),
 * longer than a step title may be, or more than one line. The domain's `safeStepTitle` then
 * cleans what is kept (control and format characters, runs of space).
 */
export function acceptedTitle(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  if (raw.length > MAX_TITLE_LENGTH) return null;
  if (/[\r\n\v\f\u0085\u2028\u2029]/.test(raw)) return null;
  if (!/[\p{L}\p{N}]/u.test(raw)) return null;
  return safeStepTitle(raw, raw);
}

/**
 * Asks the wording source for the titles of exactly the drafted steps and keeps, for each, the
 * answer's title when it is good and the built-in one otherwise. Never throws: a source that
 * fails leaves every built-in title, and `generatedBy` says so with the reason
 * (`built-in (fallback: timeout)`). Count, sizes and schedule are the caller's and untouched.
 */
export async function chooseTitles(wording: StepWording, request: StepWordingRequest): Promise<ChosenTitles> {
  const builtIn = request.steps.map((s) => s.builtInTitle);
  if (builtIn.length === 0) return { titles: builtIn, generatedBy: 'built-in' };
  let answer;
  try {
    answer = await wording.word(request);
  } catch (error) {
    return { titles: builtIn, generatedBy: fallback(error instanceof StepWordingFailed ? error.reason : 'error') };
  }
  const given: readonly unknown[] = Array.isArray(answer.titles) ? answer.titles : [];
  const accepted = builtIn.map((_, i) => acceptedTitle(given[i]));
  const titles = accepted.map((t, i) => t ?? builtIn[i]!);
  if (answer.by === 'built-in') return { titles, generatedBy: 'built-in' };
  if (accepted.every((t) => t === null)) return { titles, generatedBy: fallback('no usable title') };
  return { titles, generatedBy: answer.by };
}

function fallback(reason: string): string {
  const short = reason.replace(/[^\p{L}\p{N} ._:/-]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_REASON_LENGTH) || 'error';
  return `built-in (fallback: ${short})`;
}

import type { CauseKind } from '../../domain/coaching.types';

export const STEP_WORDING = Symbol('StepWording');

/** One step of a drafted plan, as the wording source sees it: its size and what the built-in templates call it. */
export interface StepToWord {
  readonly estimateMinutes: number;
  /** The built-in title: says what the step is for (the first answers the cause), and is kept when the answer's title is bad. */
  readonly builtInTitle: string;
}

/**
 * What a wording source is asked: titles for exactly these steps. The count, sizes and schedule
 * are already fixed by the domain; a source only words them.
 */
export interface StepWordingRequest {
  /** Whose plan (budgets are per user). */
  readonly userId: string;
  /** The owner's local day (`YYYY-MM-DD`): the day a daily budget counts in. */
  readonly today: string;
  /** The task as its owner wrote it: data, never instructions. */
  readonly task: { readonly title: string; readonly estimateMinutes: number | null; readonly tags: readonly string[] };
  /** The kind of work (`taskKindOf`: writing, reading, cleaning, calling, building, generic). */
  readonly kind: string;
  /** The most likely cause, or null without one. */
  readonly cause: CauseKind | null;
  /** The steps, in order. */
  readonly steps: readonly StepToWord[];
}

export interface WordedSteps {
  /**
   * One title per requested step, in order. Not trusted: the caller checks each (one line, not
   * blank, not too long) and keeps the built-in title for a bad one.
   */
  readonly titles: readonly unknown[];
  /** What worded them, for the plan's `generatedBy`: `built-in`, or `llm:<model>`. */
  readonly by: string;
}

/** The source could not word the steps (the caller falls back to the built-in titles and says why). */
export class StepWordingFailed extends Error {
  /** `reason`: short, for `generatedBy` (`timeout`, `rate limited`, `budget spent`, ...); never a secret or a response body. */
  constructor(readonly reason: string) {
    super(`step wording failed: ${reason}`);
    this.name = 'StepWordingFailed';
  }
}

/**
 * The planner port: words a drafted plan's steps. Two adapters: the built-in templates (the
 * default) and an OpenAI-compatible LLM (ADR 18). It never decides how many steps there are, how
 * large they are or when they happen.
 */
export interface StepWording {
  /** Titles for exactly `request.steps`, or rejects (with `StepWordingFailed` and its reason). */
  word(request: StepWordingRequest): Promise<WordedSteps>;
}

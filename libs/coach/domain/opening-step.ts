/**
 * What a plan's first step does, from the most likely cause: a blocked task first needs what
 * unblocks it, a vague one what done means, a low-priority one a decision; anything else starts
 * with a short first slice of the work itself.
 */
import type { Cause } from './coaching.types';

export type OpeningStep =
  /** Find out what unblocks it (not part of the work). */
  | 'unblock'
  /** Write down what done means (not part of the work). */
  | 'define'
  /** Decide: keep it and reschedule it later, or drop it (not part of the work). */
  | 'decide'
  /** The first concrete slice of the work (the cause was its size). */
  | 'first_slice'
  /** A short first slice of the work. */
  | 'short_slice';

export function openingStepFor(cause: Cause | undefined): OpeningStep {
  switch (cause?.kind) {
    case 'blocked':
      return 'unblock';
    case 'vague':
      return 'define';
    case 'low_priority':
      return 'decide';
    case 'too_big':
      return 'first_slice';
    default:
      return 'short_slice';
  }
}

/** Whether the opening step is work on the task itself (a slice) or a step before the work. */
export function openingIsWork(opening: OpeningStep): boolean {
  return opening === 'first_slice' || opening === 'short_slice';
}

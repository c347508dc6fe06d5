import { InvalidValue, rejectNul } from '@ln/kernel/domain/domain-error.base';

/** Why a task failed: the fixed taxonomy the coach learns from. */
export const FAILURE_REASONS = [
  'too_big',
  'no_time',
  'low_energy',
  'blocked',
  'unclear',
  'forgot',
  'deprioritized',
  'interrupted',
  'other',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export function parseFailureReason(raw: string): FailureReason {
  if (!(FAILURE_REASONS as readonly string[]).includes(raw)) {
    throw new InvalidValue('invalid_failure_reason', 'reason', `must be one of ${FAILURE_REASONS.join(', ')}`);
  }
  return raw as FailureReason;
}

/** The longest note a failure keeps (after trimming). */
export const FAILURE_NOTE_MAX = 2000;

/** The user's own words on a failure: trimmed; blank is no note. */
export function parseFailureNote(raw: string | null | undefined): string | null {
  const note = raw === undefined || raw === null || raw.trim() === '' ? null : raw.trim();
  if (note && note.length > FAILURE_NOTE_MAX) throw new InvalidValue('invalid_note', 'note', `must be at most ${FAILURE_NOTE_MAX} characters`);
  if (note) rejectNul(note, 'note');
  return note;
}

export interface Failure {
  readonly reason: FailureReason;
  readonly note: string | null;
  readonly at: string;
}

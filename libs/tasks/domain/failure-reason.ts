import { InvalidValue } from '@ln/kernel/domain/domain-error';

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

export interface Failure {
  readonly reason: FailureReason;
  readonly note: string | null;
  readonly at: string;
}

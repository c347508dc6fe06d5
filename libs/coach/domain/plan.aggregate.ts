import { DomainError } from '@ln/kernel/domain/domain-error.base';
import type { Cause, CoachTrigger } from './coaching.types';

export type PlanStatus = 'pending' | 'proposed' | 'accepted' | 'rejected' | 'superseded';

/** A step as proposed: the task it becomes on acceptance (its id is fixed now, so accepting twice creates it once). */
export interface PlanStep {
  readonly taskId: string;
  readonly title: string;
  readonly estimateMinutes: number;
  /** RFC 3339 instant with the owner's offset. */
  readonly scheduledFor: string;
  /** The success model's chance for this step where it is placed. */
  readonly successProbability: number;
}

export interface PlanState {
  readonly id: string;
  readonly userId: string;
  readonly taskId: string;
  readonly trigger: CoachTrigger;
  readonly status: PlanStatus;
  readonly diagnosis: readonly Cause[];
  readonly steps: readonly PlanStep[];
  readonly fits: boolean;
  readonly advice: string | null;
  readonly reliableMinutes: number | null;
  /** The original task's chance, as the model saw it when the plan was made. */
  readonly originalProbability: number | null;
  /** The mean of the steps' chances. */
  readonly planProbability: number | null;
  /** `built-in`, or `llm:<model>` when an LLM worded the steps; `built-in (fallback: <why>)` when it failed. */
  readonly generatedBy: string | null;
  readonly feedback: string | null;
  readonly createdAt: string;
  readonly decidedAt: string | null;
  readonly version: number;
}

/** Only a proposed plan can be accepted or rejected (a decided or superseded one stays so). */
export class PlanNotOpen extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'plan_not_open';
  constructor(status: PlanStatus, action: string) {
    super(`the plan is ${status}: it cannot be ${action}`);
  }
}

/** Asked for and not made yet: try again in a moment. */
export class PlanNotReady extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'plan_not_ready';
  constructor() {
    super('the plan is still being made; try again in a moment');
  }
}

/** No such plan of yours. */
export class PlanNotFound extends DomainError {
  readonly kind = 'not_found' as const;
  readonly code = 'plan_not_found';
  constructor() {
    super('no such plan');
  }
}

/** Too many plans asked for (each costs a planner run). */
export class TooManyPlanRequests extends DomainError {
  readonly kind = 'rate_limited' as const;
  readonly code = 'too_many_plan_requests';
  constructor(override readonly retryAfterSeconds: number) {
    super(`too many plans asked for; try again in ${retryAfterSeconds} s`);
  }
}

/**
 * A proposal for a failed (or much-postponed) task: its diagnosis and steps, and what the user
 * decided. `pending` (asked for, being made) -> `proposed` -> `accepted` | `rejected`; a newer
 * proposal for the same task makes an open one `superseded`. Accepting or rejecting again what
 * was already so decided is a no-op (retries are safe).
 */
export class Plan {
  private constructor(private s: PlanState) {}

  static restore(state: PlanState): Plan {
    return new Plan(state);
  }

  static pending(props: { id: string; userId: string; taskId: string; trigger: CoachTrigger; at: string }): Plan {
    return new Plan({
      id: props.id,
      userId: props.userId,
      taskId: props.taskId,
      trigger: props.trigger,
      status: 'pending',
      diagnosis: [],
      steps: [],
      fits: true,
      advice: null,
      reliableMinutes: null,
      originalProbability: null,
      planProbability: null,
      generatedBy: null,
      feedback: null,
      createdAt: props.at,
      decidedAt: null,
      version: 1,
    });
  }

  get state(): PlanState {
    return this.s;
  }

  get isOpen(): boolean {
    return this.s.status === 'pending' || this.s.status === 'proposed';
  }

  /** Fills a pending plan (or makes a new one proposed at once, from `pending`). */
  propose(content: Pick<PlanState, 'diagnosis' | 'steps' | 'fits' | 'advice' | 'reliableMinutes' | 'originalProbability' | 'planProbability' | 'generatedBy'>): void {
    if (this.s.status !== 'pending') throw new PlanNotOpen(this.s.status, 'proposed again');
    this.s = { ...this.s, ...content, status: 'proposed', version: this.s.version + 1 };
  }

  /**
   * New titles for a proposed plan's steps (an LLM's, after the built-in wording proposed it), or
   * only a new `generatedBy` saying why they stay. Count, sizes and schedule cannot change. False
   * when the plan is no longer proposed (decided or superseded meanwhile): nothing changes.
   */
  reword(titles: readonly string[], generatedBy: string): boolean {
    if (this.s.status !== 'proposed') return false;
    if (titles.length !== this.s.steps.length) throw new RangeError(`${titles.length} titles for ${this.s.steps.length} steps`);
    const steps = this.s.steps.map((step, i) => ({ ...step, title: titles[i]! }));
    this.s = { ...this.s, steps, generatedBy, version: this.s.version + 1 };
    return true;
  }

  /** True when it changed (a second accept of an accepted plan is a no-op). */
  accept(at: string): boolean {
    if (this.s.status === 'accepted') return false;
    if (this.s.status === 'pending') throw new PlanNotReady();
    if (this.s.status !== 'proposed') throw new PlanNotOpen(this.s.status, 'accepted');
    this.s = { ...this.s, status: 'accepted', decidedAt: at, version: this.s.version + 1 };
    return true;
  }

  reject(at: string, feedback: string | null): boolean {
    if (this.s.status === 'rejected') return false;
    if (this.s.status === 'pending') throw new PlanNotReady();
    if (this.s.status !== 'proposed') throw new PlanNotOpen(this.s.status, 'rejected');
    this.s = { ...this.s, status: 'rejected', feedback, decidedAt: at, version: this.s.version + 1 };
    return true;
  }

  supersede(at: string): void {
    if (!this.isOpen) return;
    this.s = { ...this.s, status: 'superseded', decidedAt: at, version: this.s.version + 1 };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { LEARNING_HISTORY, type LearningHistory, type PlanDecision } from '../ports/learning-history.port';

/** Longest cause word kept (the coach's cause kinds are short words). */
const MAX_CAUSE_LENGTH = 64;

/**
 * A user's decision on a coach's plan, counted under the plan's most likely cause: what the user
 * said about a diagnosis (#11: "a rejection ... is an outcome the learning context uses"). The
 * coach reads the counts back through `LearningFacade.evidenceOf` and trusts less a cause the user
 * keeps turning plans down for. Causes are the coach's words; this context does not interpret them.
 * The caller (the worker's consumer) makes it once per event.
 */
@Injectable()
export class RecordPlanDecision {
  constructor(@Inject(LEARNING_HISTORY) private readonly history: LearningHistory) {}

  async record(userId: string, decision: PlanDecision, causes: readonly unknown[] | undefined): Promise<boolean> {
    const top = causes?.[0];
    if (typeof top !== 'string' || top.length === 0 || top.length > MAX_CAUSE_LENGTH) return false;
    await this.history.recordPlanDecision(userId, top, decision);
    return true;
  }
}

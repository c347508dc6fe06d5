import type { StepWording, StepWordingRequest, WordedSteps } from '../../application/ports/step-wording.port';

/**
 * The built-in planner's wording (the default): the domain's templates by kind of task and cause,
 * which the draft already carries. Offline, deterministic, never fails.
 */
export class BuiltInStepWording implements StepWording {
  async word(request: StepWordingRequest): Promise<WordedSteps> {
    return { titles: request.steps.map((s) => s.builtInTitle), by: 'built-in' };
  }
}

export const TASK_PREDICTIONS = Symbol('TaskPredictions');

/** A reason for a prediction, in the owner's own numbers, and whether it raises or lowers the chance. */
export interface TaskFactor {
  readonly text: string;
  readonly effect: 'helps' | 'hurts';
}

/** The chance an open task is done rather than failed, as the learning context last published it. */
export interface TaskPrediction {
  readonly taskId: string;
  readonly successProbability: number;
  readonly factors: readonly TaskFactor[];
}

/**
 * The task context's copy of its open tasks' predictions (shown on its reads). Writes join the
 * caller's unit of work; a prediction older than the one kept (a lower model version) changes
 * nothing, and one for a task that is not the owner's is ignored.
 */
export interface TaskPredictions {
  record(ownerId: string, modelVersion: number, predictions: readonly TaskPrediction[], removed: readonly string[]): Promise<void>;
}

export const LEARNING_OWNERS = Symbol('LearningOwners');

/** The owner's timezone (from identity's facade): outcomes are grouped by the owner's local hour and day. */
export interface LearningOwners {
  timezoneOf(userId: string): Promise<string | null>;
}

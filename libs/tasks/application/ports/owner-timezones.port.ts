export const OWNER_TIMEZONES = Symbol('OwnerTimezones');

/** Where a task's owner's timezone comes from (the identity context's facade): a day is the owner's local day. */
export interface OwnerTimezones {
  /** The owner's IANA timezone, or null when there is no such account. */
  timezoneOf(userId: string): Promise<string | null>;
  /** The timezones of these accounts, in one read; a user without an account is absent. */
  timezonesOf(userIds: readonly string[]): Promise<Map<string, string>>;
}

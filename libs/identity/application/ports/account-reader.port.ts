export const ACCOUNT_READER = Symbol('AccountReader');

/** What a user sees of their own account; never the password hash. */
export interface AccountView {
  readonly id: string;
  readonly email: string;
  readonly timezone: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The read side of accounts: queries use it instead of loading the User aggregate. */
export interface AccountReader {
  findById(userId: string): Promise<AccountView | null>;
  /** The timezones of these accounts, by id (one read); ids without an account are absent. */
  timezonesOf(userIds: readonly string[]): Promise<Map<string, string>>;
}

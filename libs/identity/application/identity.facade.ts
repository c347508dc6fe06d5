import { Inject, Injectable } from '@nestjs/common';
import { ACCOUNT_READER, type AccountReader } from './ports/account-reader.port';

/**
 * What other contexts may ask of identity. They import this class (and nothing else of identity's
 * application, domain or adapters); the dependency check enforces it.
 */
@Injectable()
export class IdentityFacade {
  constructor(@Inject(ACCOUNT_READER) private readonly accounts: AccountReader) {}

  /** The account's IANA timezone, or null when there is no such account. */
  async timezoneOf(userId: string): Promise<string | null> {
    return (await this.accounts.findById(userId))?.timezone ?? null;
  }

  /** The timezones of these accounts, in one read; a user without an account is absent. */
  timezonesOf(userIds: readonly string[]): Promise<Map<string, string>> {
    return this.accounts.timezonesOf(userIds);
  }
}

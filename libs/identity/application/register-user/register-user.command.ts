import { Command } from '@nestjs/cqrs';
import type { AccountView } from '../ports/account-reader.port';

export class RegisterUserCommand extends Command<AccountView> {
  constructor(
    readonly email: string,
    readonly password: string,
    readonly timezone?: string,
    /** Where the request came from, for the per-client registration limit; none (an internal caller): not limited. */
    readonly clientIp?: string,
  ) {
    super();
  }
}

import { Command } from '@nestjs/cqrs';
import type { AccountView } from '../ports/account-reader.port';

export class RegisterUserCommand extends Command<AccountView> {
  constructor(
    readonly email: string,
    readonly password: string,
    readonly timezone?: string,
  ) {
    super();
  }
}

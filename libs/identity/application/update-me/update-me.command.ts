import { Command } from '@nestjs/cqrs';
import type { AccountView } from '../ports/account-reader.port';

export class UpdateMeCommand extends Command<AccountView> {
  constructor(
    readonly userId: string,
    readonly changes: { readonly timezone?: string },
  ) {
    super();
  }
}

import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { UserNotFound } from '@ln/kernel/application/application.errors';
import { ACCOUNT_READER, type AccountReader, type AccountView } from '../ports/account-reader.port';
import { GetMeQuery } from './get-me.query';

@QueryHandler(GetMeQuery)
export class GetMeHandler implements IQueryHandler<GetMeQuery> {
  constructor(@Inject(ACCOUNT_READER) private readonly accounts: AccountReader) {}

  async execute(query: GetMeQuery): Promise<AccountView> {
    const view = await this.accounts.findById(query.userId);
    // A valid token for a deleted account.
    if (!view) throw new UserNotFound();
    return view;
  }
}

import { Query } from '@nestjs/cqrs';
import type { AccountView } from '../ports/account-reader.port';

export class GetMeQuery extends Query<AccountView> {
  constructor(readonly userId: string) {
    super();
  }
}

import { Query } from '@nestjs/cqrs';

/** A user's insights over closing days `from`..`to` (inclusive, the user's local days), all time by default. The answer is JSON. */
export class GetInsightsQuery extends Query<string> {
  constructor(
    readonly userId: string,
    readonly from?: string,
    readonly to?: string,
  ) {
    super();
  }
}

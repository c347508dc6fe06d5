import { AccountsAndOutbox1764140000000 } from './1764140000000-accounts-and-outbox';
import { TasksAndIdempotency1764150000000 } from './1764150000000-tasks-and-idempotency';
import { CommandInbox1764160000000 } from './1764160000000-command-inbox';
import { OutboxPartitionsAndEventInbox1764175000000 } from './1764175000000-outbox-partitions-and-event-inbox';
import { IdempotencyClaimLease1764185000000 } from './1764185000000-idempotency-claim-lease';
import { TaskActualMinutes1764187000000 } from './1764187000000-task-actual-minutes';
import { OutboxStreamSeq1765400000000 } from './1765400000000-outbox-stream-seq';

/** In order. Listed explicitly (not globbed) so the build and the tests load the same set. */
export const MIGRATIONS = [
  AccountsAndOutbox1764140000000,
  TasksAndIdempotency1764150000000,
  CommandInbox1764160000000,
  OutboxPartitionsAndEventInbox1764175000000,
  IdempotencyClaimLease1764185000000,
  TaskActualMinutes1764187000000,
  OutboxStreamSeq1765400000000,
];

import { Command } from '@nestjs/cqrs';
import type { Session } from '../shared/session-issuer.service';

export class LogInCommand extends Command<Session> {
  constructor(
    readonly email: string,
    readonly password: string,
    /** Where the attempt came from, for the per-client failure limit. */
    readonly clientIp: string,
  ) {
    super();
  }
}

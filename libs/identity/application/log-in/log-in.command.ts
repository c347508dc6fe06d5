import { Command } from '@nestjs/cqrs';
import type { Session } from '../shared/session-issuer.service';

export class LogInCommand extends Command<Session> {
  constructor(
    readonly email: string,
    readonly password: string,
    /** Where the attempt came from (the edge's `request.ip`, see TRUSTED_PROXIES), for the throttle's client counts. */
    readonly clientIp: string,
  ) {
    super();
  }
}

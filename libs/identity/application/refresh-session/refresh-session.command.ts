import { Command } from '@nestjs/cqrs';
import type { Session } from '../shared/session-issuer.service';

export class RefreshSessionCommand extends Command<Session> {
  constructor(readonly refreshToken: string) {
    super();
  }
}

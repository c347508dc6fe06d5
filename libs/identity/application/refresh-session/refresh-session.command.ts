import { Command } from '@nestjs/cqrs';
import type { Session } from '../shared/session-issuer';

export class RefreshSessionCommand extends Command<Session> {
  constructor(readonly refreshToken: string) {
    super();
  }
}

import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LogInHandler } from './auth/log-in/log-in.handler';
import { LogOutHandler } from './auth/log-out/log-out.handler';
import { RefreshSessionHandler } from './auth/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from './auth/register-user/register-user.handler';
import { SessionIssuer } from './auth/shared/session-issuer';
import { GetMeHandler } from './users/get-me/get-me.handler';
import { UpdateMeHandler } from './users/update-me/update-me.handler';

/** The use cases. Their ports come from whichever infrastructure module the app composes. */
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [SessionIssuer, RegisterUserHandler, LogInHandler, RefreshSessionHandler, LogOutHandler, GetMeHandler, UpdateMeHandler],
  exports: [CqrsModule],
})
export class ApplicationModule {}

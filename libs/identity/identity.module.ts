import { Module } from '@nestjs/common';
import type { AppConfig } from '@ln/config/config';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { APP_CONFIG, type BoundedContext, REDIS_CLIENT } from '@ln/kernel/kernel.module';
import type { Redis } from 'ioredis';
import { MemoryAttemptCounter } from './adapters/cache/memory-attempt-counter.adapter';
import { RedisAttemptCounter } from './adapters/cache/redis-attempt-counter.adapter';
import { IDENTITY_MIGRATIONS } from './adapters/persistence/migrations/1765310000000-canonical-emails';
import { RefreshTokenSchema } from './adapters/persistence/refresh-token.schema';
import { TypeOrmAccountReader } from './adapters/persistence/typeorm-account-reader.adapter';
import { TypeOrmRefreshTokenStore } from './adapters/persistence/typeorm-refresh-token-store.adapter';
import { TypeOrmUserRepository } from './adapters/persistence/typeorm-user-repository.adapter';
import { UserSchema } from './adapters/persistence/user.schema';
import { Argon2PasswordHasher } from './adapters/security/argon2-password-hasher.adapter';
import { FastJwtAccessTokens } from './adapters/security/fast-jwt-access-tokens.adapter';
import { ZxcvbnCommonPasswords } from './adapters/security/zxcvbn-common-passwords.adapter';
import { loadOrCreateJwtSecret } from './adapters/security/jwt-secret.file';
import { GetMeHandler } from './application/get-me/get-me.handler';
import { IdentityFacade } from './application/identity.facade';
import { LogInHandler } from './application/log-in/log-in.handler';
import { LogOutHandler } from './application/log-out/log-out.handler';
import { ACCESS_TOKENS, STREAM_TOKENS } from './application/ports/access-tokens.port';
import { ACCOUNT_READER } from './application/ports/account-reader.port';
import { ATTEMPT_COUNTER } from './application/ports/attempt-counter.port';
import { COMMON_PASSWORDS } from './application/ports/common-passwords.port';
import { PASSWORD_HASHER } from './application/ports/password-hasher.port';
import { REFRESH_TOKENS } from './application/ports/refresh-tokens.port';
import { USER_REPOSITORY } from './application/ports/user.repository.port';
import { RefreshSessionHandler } from './application/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from './application/register-user/register-user.handler';
import { AUTH_SETTINGS, type AuthSettings, SessionIssuer } from './application/shared/session-issuer.service';
import { Throttle } from './application/shared/throttle.service';
import { UpdateMeHandler } from './application/update-me/update-me.handler';

/**
 * Identity: accounts, passwords, sessions and access tokens. Binds its ports for both run modes
 * (argon2id, fast-jwt, PGlite/PostgreSQL, memory/Redis login and registration throttles, the
 * common-password list) and offers other contexts
 * only `IdentityFacade` (and the access-token check the HTTP edge needs).
 */
@Module({
  providers: [
    { provide: PASSWORD_HASHER, useFactory: () => new Argon2PasswordHasher() },
    { provide: COMMON_PASSWORDS, useFactory: () => new ZxcvbnCommonPasswords() },
    { provide: USER_REPOSITORY, useFactory: (db: Database) => new TypeOrmUserRepository(db), inject: [Database] },
    { provide: ACCOUNT_READER, useFactory: (db: Database) => new TypeOrmAccountReader(db), inject: [Database] },
    { provide: REFRESH_TOKENS, useFactory: (db: Database) => new TypeOrmRefreshTokenStore(db), inject: [Database] },
    {
      provide: ACCESS_TOKENS,
      useFactory: (config: AppConfig, clock: Clock, ids: IdGenerator) =>
        new FastJwtAccessTokens(
          {
            secret: config.auth.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir),
            issuer: config.auth.issuer,
            audience: config.auth.audience,
            ttlSeconds: config.auth.accessTokenTtlSeconds,
          },
          clock,
          ids,
        ),
      inject: [APP_CONFIG, CLOCK, ID_GENERATOR],
    },
    {
      provide: STREAM_TOKENS,
      useFactory: (config: AppConfig, clock: Clock, ids: IdGenerator) =>
        new FastJwtAccessTokens(
          {
            secret: config.auth.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir),
            issuer: config.auth.issuer,
            audience: `${config.auth.audience}#events`,
            ttlSeconds: config.live.streamTokenTtlSeconds,
            typ: 'stream+jwt',
          },
          clock,
          ids,
        ),
      inject: [APP_CONFIG, CLOCK, ID_GENERATOR],
    },
    {
      provide: AUTH_SETTINGS,
      useFactory: (config: AppConfig): AuthSettings => ({
        refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
        loginMaxFailures: config.auth.loginMaxFailures,
        loginMaxFailuresPerClient: config.auth.loginMaxFailuresPerClient,
        loginMaxFailuresPerAccount: config.auth.loginMaxFailuresPerAccount,
        loginFailureWindowSeconds: config.auth.loginFailureWindowSeconds,
        registrationsPerClientPerHour: config.auth.registrationsPerClientPerHour,
      }),
      inject: [APP_CONFIG],
    },
    {
      provide: ATTEMPT_COUNTER,
      useFactory: (redis: Redis | null) => (redis ? new RedisAttemptCounter(redis) : new MemoryAttemptCounter()),
      inject: [REDIS_CLIENT],
    },
    SessionIssuer,
    Throttle,
    RegisterUserHandler,
    LogInHandler,
    RefreshSessionHandler,
    LogOutHandler,
    GetMeHandler,
    UpdateMeHandler,
    IdentityFacade,
  ],
  exports: [IdentityFacade, ACCESS_TOKENS, STREAM_TOKENS],
})
export class IdentityModule {}

export const identityContext: BoundedContext = {
  name: 'identity',
  module: IdentityModule,
  entities: [UserSchema, RefreshTokenSchema],
  migrations: IDENTITY_MIGRATIONS,
};

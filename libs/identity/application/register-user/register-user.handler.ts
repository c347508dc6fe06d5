import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Email } from '../../domain/email.value-object';
import { Password } from '../../domain/password.value-object';
import { EmailAlreadyRegistered } from '../../domain/user.errors';
import { TimeZone } from '../../domain/timezone.value-object';
import { User } from '../../domain/user.aggregate';
import type { AccountView } from '../ports/account-reader.port';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { COMMON_PASSWORDS, type CommonPasswords } from '../ports/common-passwords.port';
import { PASSWORD_HASHER, type PasswordHasher } from '../ports/password-hasher.port';
import { USER_REPOSITORY, type UserRepository } from '../ports/user.repository.port';
import { eventContext } from '@ln/kernel/application/event-context';
import { TooManyRegistrations } from '../identity.errors';
import { toAccountView } from '../shared/account-view.mapper';
import { throttledClientOf } from '../shared/client-address';
import { AUTH_SETTINGS, type AuthSettings } from '../shared/session-issuer.service';
import { secondsUntil, Throttle, throttleKey } from '../shared/throttle.service';
import { RegisterUserCommand } from './register-user.command';

const HOUR_MS = 3_600_000;

/**
 * Every attempt from a client counts toward REGISTER_PER_CLIENT_PER_HOUR before anything else is
 * done (each may cost an argon2 hash, and each 409 answers whether an address is registered: ADR
 * 20 says why registration still answers 409). Then the address, the zone and the password are
 * judged (400), the address looked up (409, before hashing), the password hashed and the user saved.
 */
@CommandHandler(RegisterUserCommand)
export class RegisterUserHandler implements ICommandHandler<RegisterUserCommand> {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(COMMON_PASSWORDS) private readonly commonPasswords: CommonPasswords,
    private readonly throttle: Throttle,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  async execute(command: RegisterUserCommand): Promise<AccountView> {
    if (command.clientIp !== undefined) {
      const taken = await this.throttle.take(throttleKey('register:client', throttledClientOf(command.clientIp)), HOUR_MS);
      if (taken && taken.count > this.settings.registrationsPerClientPerHour) throw new TooManyRegistrations(secondsUntil(taken));
    }
    const email = Email.parse(command.email);
    const timezone = command.timezone === undefined ? undefined : TimeZone.parse(command.timezone);
    const password = Password.choose(command.password, email, (folded) => this.commonPasswords.has(folded));
    // Cheap check first so a taken email costs no argon2 hash; the unique index still decides races.
    if (await this.users.findByEmail(email.value)) throw new EmailAlreadyRegistered();
    const passwordHash = await this.hasher.hash(password.value);
    const user = User.register(eventContext(this.clock, this.ids), { id: this.ids.next(), email, passwordHash, timezone });
    await this.users.save(user);
    return toAccountView(user);
  }
}

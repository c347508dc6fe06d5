import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Email } from '../../domain/email.value-object';
import { EmailAlreadyRegistered } from '../../domain/user.errors';
import { TimeZone } from '../../domain/timezone.value-object';
import { User } from '../../domain/user.aggregate';
import type { AccountView } from '../ports/account-reader.port';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { PASSWORD_HASHER, type PasswordHasher } from '../ports/password-hasher.port';
import { USER_REPOSITORY, type UserRepository } from '../ports/user.repository.port';
import { eventContext } from '@ln/kernel/application/event-context';
import { toAccountView } from '../shared/account-view.mapper';
import { RegisterUserCommand } from './register-user.command';

@CommandHandler(RegisterUserCommand)
export class RegisterUserHandler implements ICommandHandler<RegisterUserCommand> {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(command: RegisterUserCommand): Promise<AccountView> {
    const email = Email.parse(command.email);
    const timezone = command.timezone === undefined ? undefined : TimeZone.parse(command.timezone);
    // Cheap check first so a taken email costs no argon2 hash; the unique index still decides races.
    if (await this.users.findByEmail(email.value)) throw new EmailAlreadyRegistered();
    const passwordHash = await this.hasher.hash(command.password);
    const user = User.register(eventContext(this.clock, this.ids), { id: this.ids.next(), email, passwordHash, timezone });
    await this.users.save(user);
    return toAccountView(user);
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TimeZone } from '../../domain/timezone.value-object';
import { UserNotFound } from '@ln/kernel/application/application.errors';
import type { AccountView } from '../ports/account-reader.port';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { USER_REPOSITORY, type UserRepository } from '../ports/user.repository.port';
import { toAccountView } from '../shared/account-view.mapper';
import { eventContext } from '@ln/kernel/application/event-context';
import { UpdateMeCommand } from './update-me.command';

@CommandHandler(UpdateMeCommand)
export class UpdateMeHandler implements ICommandHandler<UpdateMeCommand> {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(command: UpdateMeCommand): Promise<AccountView> {
    const user = await this.users.findById(command.userId);
    if (!user) throw new UserNotFound();
    if (command.changes.timezone !== undefined) {
      user.changeTimezone(eventContext(this.clock, this.ids), TimeZone.parse(command.changes.timezone));
    }
    await this.users.save(user);
    return toAccountView(user);
  }
}

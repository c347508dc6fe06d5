import { Logger } from '@nestjs/common';
import { UserNotFound } from '@ln/kernel/application/application.errors';
import { GetMeQuery } from '@ln/identity/application/get-me/get-me.query';
import { UpdateMeCommand } from '@ln/identity/application/update-me/update-me.command';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { world } from '../../support/identity-world';

beforeAll(() => Logger.overrideLogger(false));

describe('Me', () => {
  it('reads and updates the account; unknown user is UserNotFound', async () => {
    const w = world();
    const view = await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    w.clock.advance(5000);
    const updated = await w.updateMe.execute(new UpdateMeCommand(view.id, { timezone: 'Europe/Paris' }));
    expect(updated.timezone).toBe('Europe/Paris');
    expect(updated.updatedAt > view.updatedAt).toBe(true);
    expect((await w.getMe.execute(new GetMeQuery(view.id))).timezone).toBe('Europe/Paris');
    await expect(w.getMe.execute(new GetMeQuery('missing'))).rejects.toBeInstanceOf(UserNotFound);
    await expect(w.updateMe.execute(new UpdateMeCommand('missing', { timezone: 'UTC' }))).rejects.toBeInstanceOf(UserNotFound);
  });
});

import { Logger } from '@nestjs/common';
import { EmailAlreadyRegistered } from '@ln/identity/domain/user.errors';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { world } from '../../support/identity-world';

beforeAll(() => Logger.overrideLogger(false));

describe('RegisterUser', () => {
  it('stores the user with a hash and records user.registered.v1', async () => {
    const w = world();
    const view = await w.register.execute(new RegisterUserCommand('Ada@Example.com', 'secret pass', 'Asia/Seoul'));
    expect(view).toMatchObject({ email: 'ada@example.com', timezone: 'Asia/Seoul' });
    expect(w.users.rows.get(view.id)?.passwordHash).toBe('hashed:secret pass');
    expect(w.users.outbox).toEqual([expect.objectContaining({ type: 'user.registered.v1', aggregateId: view.id })]);
  });

  it('refuses a taken email without spending a hash', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    await expect(w.register.execute(new RegisterUserCommand('A@B.CO', 'other pass'))).rejects.toBeInstanceOf(EmailAlreadyRegistered);
    expect(w.hasher.hashes).toBe(1);
  });

  it('refuses an unknown time zone before hashing', async () => {
    const w = world();
    await expect(w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass', 'Moon/Base'))).rejects.toBeInstanceOf(InvalidValue);
    expect(w.hasher.hashes).toBe(0);
  });
});

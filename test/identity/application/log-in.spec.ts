import { Logger } from '@nestjs/common';
import { MemoryAttemptCounter } from '@ln/identity/adapters/cache/memory-attempt-counter.adapter';
import { InvalidCredentials, TooManyAttempts } from '@ln/kernel/application/application.errors';
import { LogInCommand } from '@ln/identity/application/log-in/log-in.command';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { BrokenCounter } from '../../support/fakes';
import { world } from '../../support/identity-world';

beforeAll(() => Logger.overrideLogger(false));

describe('LogIn', () => {
  it('issues a session for the right password', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    const s = await w.login.execute(new LogInCommand(' A@b.co ', 'secret pass', '10.0.0.1'));
    expect(s.tokenType).toBe('Bearer');
    expect(w.tokens.rows).toHaveLength(1);
    // Only the hash is stored.
    expect(w.tokens.rows[0].tokenHash).not.toBe(s.refreshToken);
  });

  it('spends the same hashing work for an unknown email', async () => {
    const w = world();
    await expect(w.login.execute(new LogInCommand('nobody@b.co', 'x', '10.0.0.1'))).rejects.toBeInstanceOf(InvalidCredentials);
    expect(w.hasher.burns).toBe(1);
  });

  it('locks the account after N failures until the window passes', async () => {
    let now = 0;
    const w = world(new MemoryAttemptCounter({ now: () => now }));
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    for (let i = 0; i < 3; i++) {
      await expect(w.login.execute(new LogInCommand('a@b.co', 'wrong', `10.0.0.${i}`))).rejects.toBeInstanceOf(InvalidCredentials);
    }
    const limited = w.login.execute(new LogInCommand('a@b.co', 'secret pass', '10.0.0.9'));
    await expect(limited).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(limited).rejects.toMatchObject({ retryAfterSeconds: 60 });
    now += 60_001;
    await expect(w.login.execute(new LogInCommand('a@b.co', 'secret pass', '10.0.0.9'))).resolves.toHaveProperty('accessToken');
  });

  it('limits one client guessing across many accounts', async () => {
    const w = world();
    for (let i = 0; i < 12; i++) {
      await expect(w.login.execute(new LogInCommand(`victim${i}@b.co`, 'guess', '10.9.9.9'))).rejects.toBeInstanceOf(InvalidCredentials);
    }
    await expect(w.login.execute(new LogInCommand('victim99@b.co', 'guess', '10.9.9.9'))).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(w.login.execute(new LogInCommand('victim99@b.co', 'guess', '10.9.9.8'))).rejects.toBeInstanceOf(InvalidCredentials);
  });

  it('fails open when the counter store is down', async () => {
    const w = world(new BrokenCounter());
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    await expect(w.login.execute(new LogInCommand('a@b.co', 'wrong', 'ip'))).rejects.toBeInstanceOf(InvalidCredentials);
    await expect(w.login.execute(new LogInCommand('a@b.co', 'secret pass', 'ip'))).resolves.toHaveProperty('refreshToken');
  });
});

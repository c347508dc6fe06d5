import { Logger } from '@nestjs/common';
import { InvalidRefreshToken, RefreshTokenReused } from '@ln/kernel/application/application.errors';
import { LogInCommand } from '@ln/identity/application/log-in/log-in.command';
import { LogOutCommand } from '@ln/identity/application/log-out/log-out.command';
import { RefreshSessionCommand } from '@ln/identity/application/refresh-session/refresh-session.command';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { world } from '../../support/identity-world';

beforeAll(() => Logger.overrideLogger(false));

describe('RefreshSession', () => {
  async function loggedIn() {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    return { w, s: await w.login.execute(new LogInCommand('a@b.co', 'secret pass', 'ip')) };
  }

  it('rotates within the family', async () => {
    const { w, s } = await loggedIn();
    const next = await w.refresh.execute(new RefreshSessionCommand(s.refreshToken));
    expect(next.refreshToken).not.toBe(s.refreshToken);
    expect(new Set(w.tokens.rows.map((r) => r.familyId)).size).toBe(1);
  });

  it('a replayed token revokes the whole family', async () => {
    const { w, s } = await loggedIn();
    const next = await w.refresh.execute(new RefreshSessionCommand(s.refreshToken));
    await expect(w.refresh.execute(new RefreshSessionCommand(s.refreshToken))).rejects.toBeInstanceOf(RefreshTokenReused);
    await expect(w.refresh.execute(new RefreshSessionCommand(next.refreshToken))).rejects.toBeInstanceOf(RefreshTokenReused);
  });

  it('an expired or unknown token is invalid', async () => {
    const { w, s } = await loggedIn();
    await expect(w.refresh.execute(new RefreshSessionCommand('nope'))).rejects.toBeInstanceOf(InvalidRefreshToken);
    w.clock.advance(3600_001);
    await expect(w.refresh.execute(new RefreshSessionCommand(s.refreshToken))).rejects.toBeInstanceOf(InvalidRefreshToken);
  });

  it('logout with another user id leaves the token alone', async () => {
    const { w, s } = await loggedIn();
    const owner = w.tokens.rows[0].userId;
    await w.logout.execute(new LogOutCommand('someone-else', s.refreshToken));
    await expect(w.refresh.execute(new RefreshSessionCommand(s.refreshToken))).resolves.toBeDefined();
    await w.logout.execute(new LogOutCommand(owner));
    expect(w.tokens.rows.every((r) => r.revokedAt)).toBe(true);
  });
});

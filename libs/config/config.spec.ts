import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs embedded with no configuration at all', () => {
    const c = loadConfig({});
    expect(c.role).toBe('all');
    expect(c.http.port).toBe(3000);
    expect(c.database).toEqual({ kind: 'pglite', dataDir: './data' });
    expect(c.cache.kind).toBe('memory');
    expect(c.transport.kind).toBe('in-process');
    expect(c.auth.jwtSecret).toBeUndefined();
  });

  it('uses the services named by their URLs', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/ln',
      REDIS_URL: 'redis://cache:6379',
      AMQP_URL: 'amqp://mq',
      JWT_SECRET: 'x'.repeat(32),
      ROLE: 'api',
    });
    expect(c.database).toMatchObject({ kind: 'postgres', url: 'postgres://u@db:5432/ln' });
    expect(c.cache).toEqual({ kind: 'redis', url: 'redis://cache:6379', keyPrefix: 'ln:' });
    expect(c.transport).toEqual({ kind: 'rabbitmq', url: 'amqp://mq', reconnectSeconds: 1, exchange: 'ln.events' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ ROLE: 'both' }, 'ROLE'],
    [{ DATABASE_URL: 'mysql://x' , JWT_SECRET: 'x'.repeat(32)}, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://x/y' }, 'JWT_SECRET'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ ROLE: 'worker', DATABASE_URL: 'postgres://x/y', JWT_SECRET: 'x'.repeat(32) }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('rejects %j naming %s', (env, name) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });
});

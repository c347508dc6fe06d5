import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs embedded with no configuration at all', () => {
    const c = loadConfig({});
    expect(c.role).toBe('all');
    expect(c.http.port).toBe(3000);
    expect(c.database).toEqual({ kind: 'pglite', dataDir: './data', memory: { sharedBuffers: '16MB', wasmTierUp: false } });
    expect(c.heapGrowingPercent).toBe(20);
    expect(c.cache.kind).toBe('memory');
    expect(c.transport.kind).toBe('in-process');
    expect(c.auth.jwtSecret).toBeUndefined();
  });

  it('live updates: a day\'s window, a week\'s inbox, 10,000 events per resume, 15 s heartbeats, 1 MiB per stream, 10 streams a user, 15-minute stream tokens', () => {
    expect(loadConfig({}).live).toEqual({
      windowSeconds: 86_400,
      pruneIntervalSeconds: 300,
      inboxRetentionSeconds: 604_800,
      maxResumeEvents: 10_000,
      heartbeatSeconds: 15,
      bufferMaxBytes: 1_048_576,
      streamsPerUser: 10,
      streamsPerProcess: 20_000,
      streamTokenTtlSeconds: 900,
    });
    expect(loadConfig({ STREAMS_PER_USER: '3', EVENT_LOG_WINDOW_SECONDS: '3600' }).live).toMatchObject({ streamsPerUser: 3, windowSeconds: 3600 });
    expect(loadConfig({ EVENT_INBOX_RETENTION_SECONDS: '3600' }).live.inboxRetentionSeconds).toBe(3600);
    // Under an hour would forget events while a relay may still publish them again.
    expect(() => loadConfig({ EVENT_INBOX_RETENTION_SECONDS: '3599' })).toThrow(ConfigError);
  });

  it('remembers a decided command for a week, a day at least (the life of an Idempotency-Key)', () => {
    expect(loadConfig({}).commands.inboxRetentionSeconds).toBe(604_800);
    expect(loadConfig({ COMMAND_INBOX_RETENTION_SECONDS: '86400' }).commands.inboxRetentionSeconds).toBe(86_400);
    expect(loadConfig({ COMMAND_INBOX_RETENTION_SECONDS: String(365 * 86400) }).commands.inboxRetentionSeconds).toBe(31_536_000);
    // Under a day, a keyed retry whose key is still kept could be applied a second time.
    for (const bad of ['86399', String(365 * 86400 + 1), '100000.5', 'week']) expect(() => loadConfig({ COMMAND_INBOX_RETENTION_SECONDS: bad })).toThrow(/COMMAND_INBOX_RETENTION_SECONDS/);
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
    [{ EVENT_LOG_WINDOW_SECONDS: '10' }, 'EVENT_LOG_WINDOW_SECONDS'],
    [{ STREAM_BUFFER_MAX_BYTES: '100' }, 'STREAM_BUFFER_MAX_BYTES'],
    [{ STREAMS_PER_USER: '0' }, 'STREAMS_PER_USER'],
    [{ STREAM_TOKEN_TTL_SECONDS: '0' }, 'STREAM_TOKEN_TTL_SECONDS'],
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

  it('reads the abuse limits and the trusted proxies (ADR 20): defaults trust no proxy', () => {
    const defaults = loadConfig({});
    expect(defaults.http.trustedProxies).toEqual([]);
    expect(defaults.auth).toMatchObject({ loginMaxFailures: 5, loginMaxFailuresPerClient: 50, loginMaxFailuresPerAccount: 100, loginFailureWindowSeconds: 900, registrationsPerClientPerHour: 20 });
    const c = loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, 192.168.1.10 ,fd00::/8,::1,loopback', LOGIN_MAX_FAILURES_PER_ACCOUNT: '250', REGISTER_PER_CLIENT_PER_HOUR: '60' });
    expect(c.http.trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1', 'loopback']);
    expect(c.auth).toMatchObject({ loginMaxFailuresPerAccount: 250, registrationsPerClientPerHour: 60 });
    for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1', 'fd00::/129', '10.0.0.1/x', '*']) {
      expect(() => loadConfig({ TRUSTED_PROXIES: bad })).toThrow('TRUSTED_PROXIES');
    }
    expect(() => loadConfig({ REGISTER_PER_CLIENT_PER_HOUR: '0' })).toThrow('REGISTER_PER_CLIENT_PER_HOUR');
  });

  it('reads CORS_ORIGINS as a list of exact origins; none by default', () => {
    expect(loadConfig({}).http.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ' }).http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    for (const bad of ['*', 'app.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'ftp://example.com', 'https://user@example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow('CORS_ORIGINS');
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });

  it('bounds the read caches in bytes: defaults, overrides, and a share never larger than the whole', () => {
    expect(loadConfig({}).readCache).toEqual({ maxBytes: 64 * 1024 * 1024, maxBytesPerUser: 4 * 1024 * 1024, maxEntryBytes: 1024 * 1024 });
    expect(loadConfig({ READ_CACHE_MAX_BYTES: '10485760', READ_CACHE_MAX_BYTES_PER_USER: '1048576', READ_CACHE_MAX_ENTRY_BYTES: '65536' }).readCache).toEqual({
      maxBytes: 10485760,
      maxBytesPerUser: 1048576,
      maxEntryBytes: 65536,
    });
    for (const [env, name] of [
      [{ READ_CACHE_MAX_BYTES: 'lots' }, 'READ_CACHE_MAX_BYTES'],
      [{ READ_CACHE_MAX_BYTES: '1000' }, 'READ_CACHE_MAX_BYTES'],
      [{ READ_CACHE_MAX_BYTES: '2097152' }, 'READ_CACHE_MAX_BYTES_PER_USER'],
      [{ READ_CACHE_MAX_BYTES_PER_USER: '524288' }, 'READ_CACHE_MAX_ENTRY_BYTES'],
      [{ READ_CACHE_MAX_ENTRY_BYTES: '-1' }, 'READ_CACHE_MAX_ENTRY_BYTES'],
    ] as const) {
      expect(() => loadConfig(env)).toThrow(name);
    }
  });

  it("sets the embedded process's memory: PGlite's shared_buffers, its WebAssembly tier, V8's heap growth (ADR 19)", () => {
    const memory = (env: Record<string, string>) => {
      const db = loadConfig(env).database;
      if (db.kind !== 'pglite') throw new Error('not embedded');
      return db.memory;
    };
    expect(memory({ PGLITE_SHARED_BUFFERS: '128MB', PGLITE_WASM_TIER_UP: 'true' })).toEqual({ sharedBuffers: '128MB', wasmTierUp: true });
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '50', DATABASE_URL: 'postgres://h/db', JWT_SECRET: 'x'.repeat(32) }).heapGrowingPercent).toBe(50);
    expect(memory({ PGLITE_SHARED_BUFFERS: '512kB' }).sharedBuffers).toBe('512kB');
    expect(memory({ PGLITE_SHARED_BUFFERS: '1GB' }).sharedBuffers).toBe('1GB');
    for (const value of ['16', '16mb', '16 MB', '64kB', '2GB', '-1MB', 'lots']) expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: value })).toThrow('PGLITE_SHARED_BUFFERS');
    for (const value of ['yes', '1']) expect(() => loadConfig({ PGLITE_WASM_TIER_UP: value })).toThrow('PGLITE_WASM_TIER_UP');
    for (const value of ['-1', '401', '2.5']) expect(() => loadConfig({ HEAP_GROWING_PERCENT: value })).toThrow('HEAP_GROWING_PERCENT');
  });

  it('bounds the graceful shutdown: SHUTDOWN_TIMEOUT_MS, 10 s by default, 100 ms to 10 min', () => {
    expect(loadConfig({}).shutdownTimeoutMs).toBe(10_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2_500);
    for (const value of ['0', '50', '600001', 'soon']) expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: value })).toThrow('SHUTDOWN_TIMEOUT_MS');
  });
});

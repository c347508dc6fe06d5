import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Everything the process reads from its environment, validated once at start. A bad or
 * missing value stops the process with a message naming the variable; nothing else in the
 * code reads process.env.
 */
const port = z.coerce.number().int().min(1).max(65535);
const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL with scheme ${protocols.map((p) => p.replace(':', '')).join(' or ')}`);
const seconds = z.coerce.number().int().positive();
const POSTGRES_SIZE_UNITS = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as const;
/** A PostgreSQL memory size with its unit (`16MB`), as `-c shared_buffers=` takes it. */
function postgresSizeBytes(value: string): number | undefined {
  const m = /^(\d{1,7})(kB|MB|GB)$/.exec(value);
  return m ? Number(m[1]) * POSTGRES_SIZE_UNITS[m[2] as keyof typeof POSTGRES_SIZE_UNITS] : undefined;
}
/** What Fastify's `trustProxy` (proxy-addr) takes: an address, a CIDR range, or one of its named ranges. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** A web origin as browsers send it: scheme, host and port only (`https://app.example.com`). */
function isOrigin(entry: string): boolean {
  try {
    const u = new URL(entry);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === entry;
  } catch {
    return false;
  }
}

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    ROLE: z.enum(['api', 'worker', 'all']).default('all'),
    HOST: z.string().default('0.0.0.0'),
    PORT: port.default(3000),
    METRICS_PORT: port.default(9464),
    DATA_DIR: z.string().min(1).default('./data'),
    // The embedded process's memory (ADR 19): PGlite's buffer pool, its WebAssembly tiers, V8's heap growth.
    PGLITE_SHARED_BUFFERS: z
      .string()
      .trim()
      .refine((v) => {
        const bytes = postgresSizeBytes(v);
        return bytes !== undefined && bytes >= 128 * 1024 && bytes <= 1024 ** 3;
      }, 'a size with unit kB, MB or GB (PostgreSQL\'s notation, e.g. 16MB), from 128kB to 1GB')
      .default('16MB'),
    PGLITE_WASM_TIER_UP: z.enum(['true', 'false']).default('false'),
    HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(400).default(20),
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REDIS_URL: url(['redis:', 'rediss:']).optional(),
    REDIS_KEY_PREFIX: z.string().max(64).regex(/^[A-Za-z0-9:._-]*$/, 'letters, digits and : . _ - only').default('ln:'),
    READ_CACHE_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).max(2 ** 40).default(64 * 1024 * 1024),
    READ_CACHE_MAX_BYTES_PER_USER: z.coerce.number().int().min(16 * 1024).max(2 ** 40).default(4 * 1024 * 1024),
    READ_CACHE_MAX_ENTRY_BYTES: z.coerce.number().int().min(1024).max(2 ** 40).default(1024 * 1024),
    AMQP_URL: url(['amqp:', 'amqps:']).optional(),
    AMQP_RECONNECT_SECONDS: z.coerce.number().min(0.1).max(60).default(1),
    EVENT_EXCHANGE_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits and . _ - only').default('ln.events'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits)').optional(),
    JWT_ISSUER: z.string().min(1).default('life-navigation'),
    JWT_AUDIENCE: z.string().min(1).default('life-navigation-api'),
    ACCESS_TOKEN_TTL_SECONDS: seconds.max(86400).default(900),
    REFRESH_TOKEN_TTL_SECONDS: seconds.default(30 * 86400),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
    LOGIN_MAX_FAILURES_PER_CLIENT: z.coerce.number().int().min(1).default(50),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(100),
    LOGIN_FAILURE_WINDOW_SECONDS: seconds.default(900),
    REGISTER_PER_CLIENT_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(20),
    TRUSTED_PROXIES: z
      .string()
      .transform((v) => v.split(',').map((p) => p.trim()).filter((p) => p.length > 0))
      .refine((list) => list.every(isProxyAddress), 'a comma-separated list of IP addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal')
      .default([]),
    CORS_ORIGINS: z
      .string()
      .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
      .refine((list) => list.every(isOrigin), 'a comma-separated list of origins: scheme://host[:port], no path or trailing slash (https://app.example.com)')
      .default([]),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    // The source revision (the image sets it from its REVISION build argument); without it, `git rev-parse`.
    BUILD_REVISION: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits and . _ - only, at most 64').optional(),
    COMMAND_QUEUE_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits and . _ - only').default('ln.commands'),
    COMMAND_PARTITIONS: z.coerce.number().int().min(1).max(64).default(4),
    COMMAND_DELIVERY_LIMIT: z.coerce.number().int().min(1).max(100).default(5),
    WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
    WORKER_BATCH_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(20),
    WORKER_PARALLEL_BATCHES: z.coerce.number().int().min(1).max(64).default(4),
    WRITE_PATH: z.enum(['sync', 'queued']).default('sync'),
    COMMAND_CONFIRM_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
    MAX_PENDING_WRITES_PER_USER: z.coerce.number().int().min(1).max(100_000).default(1_000),
    // At least a day: a keyed retry's command id is derived from its Idempotency-Key, kept 24 h.
    COMMAND_INBOX_RETENTION_SECONDS: z.coerce.number().int().min(86400).max(365 * 86400).default(7 * 86400),
    COACH_REQUESTS_PER_HOUR: z.coerce.number().int().min(0).max(10_000).default(20),
    COACH_POSTPONEMENTS_BEFORE_PLAN: z.coerce.number().int().min(1).max(100).default(3),
    LLM_BASE_URL: url(['http:', 'https:']).optional(),
    LLM_MODEL: z.string().trim().regex(/^[\x21-\x7e]{1,200}$/, 'printable characters without spaces, at most 200').optional(),
    LLM_API_KEY: z.string().trim().min(1).max(4096).optional(),
    LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    LLM_DAILY_CALLS_PER_USER: z.coerce.number().int().min(0).max(100_000).default(20),
    LLM_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    EVENT_LOG_WINDOW_SECONDS: z.coerce.number().int().min(60).max(90 * 86400).default(86400),
    EVENT_LOG_PRUNE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(300),
    EVENT_INBOX_RETENTION_SECONDS: z.coerce.number().int().min(3600).max(365 * 86400).default(7 * 86400),
    STREAM_MAX_RESUME_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    STREAM_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
    STREAM_BUFFER_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    STREAMS_PER_USER: z.coerce.number().int().min(1).max(1_000_000).default(10),
    STREAMS_PER_PROCESS: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
    STREAM_TOKEN_TTL_SECONDS: seconds.max(86400).default(900),
  })
  .superRefine((env, ctx) => {
    // A split deployment shares state only through the services, so each role needs all three.
    if (env.ROLE !== 'all') {
      for (const key of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `is required when ROLE=${env.ROLE}` });
      }
    }
    // A 202 is a promise that the write survives any one crash: only a durable broker can keep it,
    // and the pending overlay must be shared by every api replica.
    if (env.WRITE_PATH === 'queued') {
      for (const key of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when WRITE_PATH=queued' });
      }
    }
    // A share larger than the whole, or an entry larger than a share, could never be used as configured.
    if (env.READ_CACHE_MAX_BYTES_PER_USER > env.READ_CACHE_MAX_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['READ_CACHE_MAX_BYTES_PER_USER'], message: 'must not exceed READ_CACHE_MAX_BYTES' });
    }
    if (env.READ_CACHE_MAX_ENTRY_BYTES > env.READ_CACHE_MAX_BYTES_PER_USER) {
      ctx.addIssue({ code: 'custom', path: ['READ_CACHE_MAX_ENTRY_BYTES'], message: 'must not exceed READ_CACHE_MAX_BYTES_PER_USER' });
    }
    // With a shared database several processes must verify each other's tokens: the key is configuration.
    if (env.DATABASE_URL && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when DATABASE_URL is set' });
    }
    // The LLM planner is on only with both its URL and its model; either alone is a mistake, not a default.
    if (env.LLM_BASE_URL && !env.LLM_MODEL) ctx.addIssue({ code: 'custom', path: ['LLM_MODEL'], message: 'is required when LLM_BASE_URL is set' });
    for (const key of ['LLM_MODEL', 'LLM_API_KEY'] as const) {
      if (env[key] && !env.LLM_BASE_URL) ctx.addIssue({ code: 'custom', path: [key], message: 'is set but LLM_BASE_URL is not' });
    }
  });

export type Role = 'api' | 'worker' | 'all';

/** What bounds the embedded process's memory (PGlite in the process; ADR 19). */
export interface EmbeddedMemory {
  /** PostgreSQL's shared_buffers inside PGlite, e.g. `16MB` (PostgreSQL's notation). */
  readonly sharedBuffers: string;
  /** false: PGlite's WebAssembly runs on V8's baseline compiler only (V8 `--liftoff-only`), never recompiled by TurboFan. */
  readonly wasmTierUp: boolean;
}

export interface AppConfig {
  readonly env: 'development' | 'production' | 'test';
  readonly role: Role;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly metricsPort: number;
    /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For is believed for the client address; empty: none. */
    readonly trustedProxies: readonly string[];
    /** Web origins whose pages may call the API from a browser (CORS); empty: none, no CORS headers at all. */
    readonly corsOrigins: readonly string[];
  };
  readonly database:
    | { readonly kind: 'pglite'; readonly dataDir: string; readonly memory: EmbeddedMemory }
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number };
  readonly cache: { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string };
  /**
   * Byte bounds of the read caches (ADR 19): what the process's in-memory entries (embedded cache or
   * near cache) may hold in total and per user, and the largest value cached at all (UTF-8). One
   * user's live entries in Redis stay within maxBytesPerUser too.
   */
  readonly readCache: { readonly maxBytes: number; readonly maxBytesPerUser: number; readonly maxEntryBytes: number };
  readonly transport:
    | { readonly kind: 'in-process' }
    /**
     * reconnectSeconds: the wait between a lost connection and each attempt to open a new one.
     * exchange: the topic exchange events are published to, and the prefix of its subscription queues.
     */
    | { readonly kind: 'rabbitmq'; readonly url: string; readonly reconnectSeconds: number; readonly exchange: string };
  readonly dataDir: string;
  readonly auth: {
    /** Undefined only in embedded mode, where the server generates one and keeps it in DATA_DIR. */
    readonly jwtSecret?: string;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTokenTtlSeconds: number;
    readonly refreshTokenTtlSeconds: number;
    /** Failed logins per (account, client address) pair per window (ADR 20). */
    readonly loginMaxFailures: number;
    /** Failed logins per client address across accounts per window. */
    readonly loginMaxFailuresPerClient: number;
    /** Failed logins per account across clients per window; known clients pass it. */
    readonly loginMaxFailuresPerAccount: number;
    readonly loginFailureWindowSeconds: number;
    /** Registration attempts per client address per hour. */
    readonly registrationsPerClientPerHour: number;
  };
  readonly logLevel: string;
  /** Every role: V8 grows the heap to (1 + this/100) x live memory before its next full collection (`--heap-growing-percent`); 0: V8's own growth (ADR 19). */
  readonly heapGrowingPercent: number;
  /** From SIGTERM/SIGINT to a forced exit (status 1) if the graceful shutdown has not finished (ADR 21). */
  readonly shutdownTimeoutMs: number;
  /** BUILD_REVISION, when set: the `revision` label of `ln_build_info`. */
  readonly buildRevision: string | undefined;
  /** The queued write path's command queue and the worker's batching. */
  readonly commands: {
    /** RabbitMQ exchange name and queue prefix. */
    readonly queueName: string;
    readonly partitions: number;
    readonly deliveryLimit: number;
    readonly batchSize: number;
    readonly batchWaitMs: number;
    /** Batches one worker applies side by side (each over its own partitions, a connection each). */
    readonly parallelBatches: number;
    /** `sync`: writes commit before the answer. `queued`: 202 once the broker confirmed the command. */
    readonly writePath: 'sync' | 'queued';
    /** How long the api waits for the broker's confirm before answering 503. */
    readonly confirmTimeoutMs: number;
    /** Queued writes one user may have waiting; past it 429 `too_many_pending_writes`. */
    readonly maxPendingPerUser: number;
    /**
     * How long the command inbox (`processed_commands`) remembers a decided command: its status at
     * `GET /v1/commands/{id}`, and its dedupe (a copy delivered later would be applied again;
     * ADR 9, "Inbox retention"). Pruned by the worker's pruning pass.
     */
    readonly inboxRetentionSeconds: number;
  };
  /** Live updates: the per-user event log (the outbox, ADR 28) and `GET /v1/events`. */
  readonly live: {
    /** Published outbox rows older than this are pruned; a resume from before them gets `reset`. */
    readonly windowSeconds: number;
    /** How often the worker role prunes (the event log, the event consumers' inbox and the command inbox). */
    readonly pruneIntervalSeconds: number;
    /**
     * How long an event consumer remembers an event it processed (`processed_events`): a copy of
     * it delivered later than this would have its effect again (ADR 10, "Inbox retention").
     */
    readonly inboxRetentionSeconds: number;
    /** A resume that would replay more than this many events gets `reset` instead. */
    readonly maxResumeEvents: number;
    readonly heartbeatSeconds: number;
    /** Bytes one stream may have waiting in its socket's buffer before it is closed (`slow_consumer`). */
    readonly bufferMaxBytes: number;
    readonly streamsPerUser: number;
    readonly streamsPerProcess: number;
    /** The longest a stream token (`POST /v1/events/token`) lives; never past the access token that asked for it. */
    readonly streamTokenTtlSeconds: number;
  };
  /** The coach (re-planning failed tasks). */
  readonly coach: {
    /** Plans one user may ask for per hour (`POST /v1/tasks/{id}/plans`); past it 429. */
    readonly requestsPerHour: number;
    /** A task postponed this many times gets a plan. */
    readonly postponementsBeforePlan: number;
    /** The LLM planner (step wording through an OpenAI-compatible endpoint, ADR 18); null: the built-in templates only. */
    readonly llm: {
      readonly baseUrl: string;
      readonly model: string;
      /** A secret: never logged. */
      readonly apiKey: string | null;
      /** Per attempt (at most 3 attempts). */
      readonly timeoutMs: number;
      readonly dailyCallsPerUser: number;
      /** Wordings in flight per process; past it a plan falls back to the built-in wording at once. */
      readonly maxConcurrency: number;
    } | null;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  // Empty strings are how shells and compose files say "unset".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    role: e.ROLE,
    http: { host: e.HOST, port: e.PORT, metricsPort: e.METRICS_PORT, trustedProxies: e.TRUSTED_PROXIES, corsOrigins: e.CORS_ORIGINS },
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : {
          kind: 'pglite',
          dataDir: e.DATA_DIR,
          memory: { sharedBuffers: e.PGLITE_SHARED_BUFFERS, wasmTierUp: e.PGLITE_WASM_TIER_UP === 'true'},
        },
    cache: e.REDIS_URL ? { kind: 'redis', url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : { kind: 'memory' },
    readCache: { maxBytes: e.READ_CACHE_MAX_BYTES, maxBytesPerUser: e.READ_CACHE_MAX_BYTES_PER_USER, maxEntryBytes: e.READ_CACHE_MAX_ENTRY_BYTES },
    transport: e.AMQP_URL ? { kind: 'rabbitmq', url: e.AMQP_URL, reconnectSeconds: e.AMQP_RECONNECT_SECONDS, exchange: e.EVENT_EXCHANGE_NAME } : { kind: 'in-process' },
    dataDir: e.DATA_DIR,
    auth: {
      jwtSecret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginMaxFailuresPerClient: e.LOGIN_MAX_FAILURES_PER_CLIENT,
      loginMaxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginFailureWindowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
      registrationsPerClientPerHour: e.REGISTER_PER_CLIENT_PER_HOUR,
    },
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    buildRevision: e.BUILD_REVISION,
    heapGrowingPercent: e.HEAP_GROWING_PERCENT,
    commands: {
      queueName: e.COMMAND_QUEUE_NAME,
      partitions: e.COMMAND_PARTITIONS,
      deliveryLimit: e.COMMAND_DELIVERY_LIMIT,
      batchSize: e.WORKER_BATCH_SIZE,
      batchWaitMs: e.WORKER_BATCH_WAIT_MS,
      parallelBatches: e.WORKER_PARALLEL_BATCHES,
      writePath: e.WRITE_PATH,
      confirmTimeoutMs: e.COMMAND_CONFIRM_TIMEOUT_MS,
      maxPendingPerUser: e.MAX_PENDING_WRITES_PER_USER,
      inboxRetentionSeconds: e.COMMAND_INBOX_RETENTION_SECONDS,
    },
    live: {
      windowSeconds: e.EVENT_LOG_WINDOW_SECONDS,
      pruneIntervalSeconds: e.EVENT_LOG_PRUNE_INTERVAL_SECONDS,
      inboxRetentionSeconds: e.EVENT_INBOX_RETENTION_SECONDS,
      maxResumeEvents: e.STREAM_MAX_RESUME_EVENTS,
      heartbeatSeconds: e.STREAM_HEARTBEAT_SECONDS,
      bufferMaxBytes: e.STREAM_BUFFER_MAX_BYTES,
      streamsPerUser: e.STREAMS_PER_USER,
      streamsPerProcess: e.STREAMS_PER_PROCESS,
      streamTokenTtlSeconds: e.STREAM_TOKEN_TTL_SECONDS,
    },
    coach: {
      requestsPerHour: e.COACH_REQUESTS_PER_HOUR,
      postponementsBeforePlan: e.COACH_POSTPONEMENTS_BEFORE_PLAN,
      llm:
        e.LLM_BASE_URL && e.LLM_MODEL
          ? {
              baseUrl: e.LLM_BASE_URL,
              model: e.LLM_MODEL,
              apiKey: e.LLM_API_KEY ?? null,
              timeoutMs: e.LLM_TIMEOUT_MS,
              dailyCallsPerUser: e.LLM_DAILY_CALLS_PER_USER,
              maxConcurrency: e.LLM_MAX_CONCURRENCY,
            }
          : null,
    },
  };
}

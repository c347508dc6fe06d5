/**
 * Where the real services are for adapter and e2e suites. test/support/global-setup.ts probes
 * them once per run. Outside CI a service that is not running skips its suites with a message;
 * under CI=true a missing service fails the run, because a green run that tested nothing would
 * be a lie.
 */
export const SERVICES = {
  postgres: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  rabbitmq: process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
} as const;

export type ServiceName = keyof typeof SERVICES;

export const SERVICES_UP_ENV = 'LN_TEST_SERVICES_UP';

/**
 * A migrated embedded database (PGlite's data folder) made once per run by global-setup.ts:
 * `startTestApp('embedded')` copies it instead of running initdb and the migrations again (about
 * 3 s of CPU a boot saved, docs/testing.md). Unset (mutation runs, a lone jest file without the
 * global setup), every boot makes its own.
 */
export const PGLITE_TEMPLATE_ENV = 'LN_TEST_PGLITE_TEMPLATE';

export function isUp(name: ServiceName): boolean {
  return (process.env[SERVICES_UP_ENV] ?? '').split(',').includes(name);
}

/** `describe` for a suite that needs a real service: skipped (with a warning) when it is down. */
export function describeWithService(name: ServiceName, title: string, body: () => void): void {
  if (isUp(name)) {
    describe(`${title} [${name}]`, body);
  } else {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED: ${title}: ${name} is not reachable at ${SERVICES[name]}`);
    describe.skip(`${title} [${name}: not running]`, body);
  }
}

// Layer rules for the monorepo: `npm run lint:layers` (depcruise apps libs) fails on any error below.
//
// Every layer pattern is written `(^|/)libs/<layer>/src/` rather than `^libs/<layer>/src/` so that the
// same config also works when depcruise runs from inside test/fixtures/layer-violation/ (see
// test/architecture/layers.spec.ts), where module paths are relative to that folder.
// npm packages are matched on their resolved path `(^|/)node_modules/<name>/`, which holds from the
// repo root (`node_modules/...`) and from the fixture (`../../../node_modules/...`) alike, and does
// not depend on which package.json depcruise finds to classify a dependency as npm / npm-no-pkg.
//
// depcruise cannot see `process.env`: that is checked by test/architecture/layers.spec.ts.
const path = require('node:path');

const DOMAIN = '(^|/)libs/domain/src/';
const APPLICATION = '(^|/)libs/application/src/';
const ADAPTERS = '(^|/)libs/adapters/src/';
const CONFIG = '(^|/)libs/config/src/';
const LIBS = '(^|/)libs/';
const APPS = '(^|/)apps/';
const NODE_MODULES = '(^|/)node_modules/';

/** npm package names (regex fragments) that are infrastructure: only adapters and apps may use them. */
const INFRASTRUCTURE_PACKAGES = [
  'typeorm',
  'typeorm-pglite',
  'pg',
  'pg-[^/]+', // pg-protocol, pg-pool, pg-types...
  '@electric-sql/pglite',
  'ioredis',
  'amqplib',
  'amqp-connection-manager',
  'fastify',
  '@fastify/[^/]+',
  'pino',
  'pino-http',
  'pino-pretty',
  'nestjs-pino',
  '@node-rs/argon2',
  'fast-jwt',
  'prom-client',
  '@willsoto/nestjs-prometheus',
];
const infrastructurePackage = `${NODE_MODULES}(${INFRASTRUCTURE_PACKAGES.join('|')})/`;

/** Node built-ins that perform I/O or read ambient state: never in the domain. */
const IMPURE_CORE_MODULES = [
  'child_process',
  'cluster',
  'dgram',
  'diagnostics_channel',
  'dns',
  'dns/promises',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'module',
  'net',
  'os',
  'perf_hooks',
  'process',
  'readline',
  'readline/promises',
  'repl',
  'sqlite',
  'test',
  'timers',
  'timers/promises',
  'tls',
  'trace_events',
  'tty',
  'v8',
  'vm',
  'wasi',
  'worker_threads',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ---------------------------------------------------------------- domain: no dependencies at all
    {
      name: 'domain-not-to-npm',
      severity: 'error',
      comment:
        'libs/domain is pure TypeScript: it has no npm dependencies (no @nestjs/*, typeorm, pg, ioredis, amqplib, ...). ' +
        'Express the need as a port in libs/application and implement it in libs/adapters.',
      from: { path: DOMAIN },
      to: { path: NODE_MODULES },
    },
    {
      name: 'domain-not-to-outer-layers',
      severity: 'error',
      comment: 'libs/domain is the innermost layer: it must not import libs/application, libs/adapters, libs/config or apps.',
      from: { path: DOMAIN },
      to: { path: [APPLICATION, ADAPTERS, CONFIG, APPS], pathNot: NODE_MODULES },
    },
    {
      name: 'domain-only-to-domain',
      severity: 'error',
      comment:
        'libs/domain may only import libs/domain itself and pure Node built-ins ' +
        '(catch-all for anything the two rules above do not name, e.g. test/ or another lib).',
      from: { path: DOMAIN },
      to: {
        pathNot: [DOMAIN, NODE_MODULES, APPLICATION, ADAPTERS, CONFIG, APPS],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'domain-not-to-impure-core',
      severity: 'error',
      comment: 'libs/domain must not use Node built-ins that do I/O or read ambient state (fs, net, http, os, process, ...).',
      from: { path: DOMAIN },
      to: {
        dependencyTypes: ['core'],
        path: `^(node:)?(${IMPURE_CORE_MODULES.join('|')})$`,
      },
    },

    // ---------------------------------------------------------------- application: ports and use cases
    {
      name: 'application-not-to-adapters-config-apps',
      severity: 'error',
      comment:
        'libs/application defines ports; it must not import their implementations (libs/adapters), ' +
        'configuration parsing (libs/config) or composition roots (apps). Inject through a port instead.',
      from: { path: APPLICATION },
      to: { path: [ADAPTERS, CONFIG, APPS], pathNot: NODE_MODULES },
    },
    {
      name: 'application-not-to-infrastructure',
      severity: 'error',
      comment:
        'libs/application must not use infrastructure packages (typeorm, pg, PGlite, ioredis, amqplib, fastify, ' +
        'pino, argon2, fast-jwt, ...). Declare a port and implement it in libs/adapters.',
      from: { path: APPLICATION },
      to: { path: infrastructurePackage },
    },
    {
      name: 'application-nestjs-only-common-cqrs',
      severity: 'error',
      comment:
        'Of the @nestjs scope, libs/application may only use @nestjs/common and @nestjs/cqrs ' +
        '(not @nestjs/core, @nestjs/typeorm, @nestjs/platform-fastify, @nestjs/swagger, @nestjs/terminus, ...).',
      from: { path: APPLICATION },
      to: { path: `${NODE_MODULES}@nestjs/(?!(common|cqrs)/)` },
    },

    // ---------------------------------------------------------------- libs never reach into apps
    {
      name: 'libs-not-to-apps',
      severity: 'error',
      comment: 'Nothing under libs/ (domain, application, adapters, config) may import apps/*: apps are composition roots.',
      from: { path: LIBS, pathNot: NODE_MODULES },
      to: { path: APPS, pathNot: NODE_MODULES },
    },

    // ---------------------------------------------------------------- hygiene
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular dependency between modules; break it (often by moving a type to the inner layer).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import cannot be resolved (missing file, package or TS path alias).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    // Absolute, so the config also works when depcruise runs with another cwd (the fixture run).
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') },
    doNotFollow: { path: 'node_modules' },
    // Excluded modules vanish from the graph together with every dependency on them, so:
    // - node_modules must NOT be excluded (the npm rules above could never fire); doNotFollow keeps
    //   packages as leaves instead;
    // - the patterns are anchored at the repo root: an unanchored `dist/` would also hide every package
    //   whose entry point lives in node_modules/<pkg>/dist/ (uuid, @nestjs/swagger, @nestjs/cqrs,
    //   @electric-sql/pglite, amqp-connection-manager...), silently exempting them from all rules.
    exclude: { path: '^(dist|coverage|test/fixtures)/' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.js', '.cjs', '.mjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};

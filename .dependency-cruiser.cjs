// Layer and context rules for the monorepo: `npm run lint:layers` (depcruise apps libs) fails on any error below.
//
// The tree is contexts first, layers inside (docs/architecture.md): libs/<context>/{domain,application,adapters}
// plus one `<context>.module.ts`; libs/kernel is the shared kernel, libs/config parses the environment.
// The rules name no context: a new one is checked as soon as its folder exists.
//
// Every pattern is written `(^|/)libs/...` rather than `^libs/...` so that the same config also works when
// depcruise runs from inside test/fixtures/layer-violation/ (see test/architecture/layers.spec.ts), where module
// paths are relative to that folder. npm packages are matched on their resolved path `(^|/)node_modules/<name>/`.
//
// depcruise cannot see `process.env`: that is checked by test/architecture/layers.spec.ts.
const path = require('node:path');

const DOMAIN = '(^|/)libs/[^/]+/domain/';
const APPLICATION = '(^|/)libs/[^/]+/application/';
const ADAPTERS = '(^|/)libs/[^/]+/adapters/';
/** A context's (or the kernel's) Nest module: the one place that binds its ports to adapters. */
const CONTEXT_MODULE = '(^|/)libs/[^/]+/[^/]+\\.module\\.ts$';
const KERNEL = '(^|/)libs/kernel/';
const CONFIG = '(^|/)libs/config/';
const LIBS = '(^|/)libs/';
const APPS = '(^|/)apps/';
const NODE_MODULES = '(^|/)node_modules/';
/** What a context publishes to the others: its application facade(s) and its event contracts. */
const PUBLISHED = ['(^|/)libs/[^/]+/application/[^/]+\\.facade\\.ts$', '(^|/)libs/[^/]+/contracts/'];

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
  'openai',
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
        'A domain folder is pure TypeScript: no npm dependencies (no @nestjs/*, typeorm, pg, ioredis, amqplib, ...). ' +
        'Express the need as a port in the application layer and implement it in adapters.',
      from: { path: DOMAIN },
      to: { path: NODE_MODULES },
    },
    {
      name: 'domain-only-to-domain',
      severity: 'error',
      comment:
        'A domain folder may only import domain code (its own context or the kernel) and pure Node built-ins: ' +
        'never application, adapters, modules, config, apps or test code.',
      from: { path: DOMAIN },
      to: { pathNot: [DOMAIN, NODE_MODULES], dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-not-to-impure-core',
      severity: 'error',
      comment: 'A domain folder must not use Node built-ins that do I/O or read ambient state (fs, net, http, os, process, ...).',
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
        'An application folder defines ports; it must not import their implementations (adapters), the modules that ' +
        'bind them, configuration parsing (libs/config) or composition roots (apps). Inject through a port instead.',
      from: { path: APPLICATION },
      to: { path: [ADAPTERS, CONTEXT_MODULE, CONFIG, APPS], pathNot: NODE_MODULES },
    },
    {
      name: 'application-not-to-infrastructure',
      severity: 'error',
      comment:
        'An application folder must not use infrastructure packages (typeorm, pg, PGlite, ioredis, amqplib, fastify, ' +
        'pino, argon2, fast-jwt, ...). Declare a port and implement it in adapters.',
      from: { path: APPLICATION },
      to: { path: infrastructurePackage },
    },
    {
      name: 'application-nestjs-only-common-cqrs',
      severity: 'error',
      comment:
        'Of the @nestjs scope, an application folder may only use @nestjs/common and @nestjs/cqrs ' +
        '(not @nestjs/core, @nestjs/typeorm, @nestjs/platform-fastify, @nestjs/swagger, @nestjs/terminus, ...).',
      from: { path: APPLICATION },
      to: { path: `${NODE_MODULES}@nestjs/(?!(common|cqrs)/)` },
    },

    // ---------------------------------------------------------------- adapters implement ports
    {
      name: 'adapters-not-to-modules-apps',
      severity: 'error',
      comment: 'Adapters implement ports; the module binds them. An adapter never imports a module or an app.',
      from: { path: ADAPTERS },
      to: { path: [CONTEXT_MODULE, APPS], pathNot: NODE_MODULES },
    },

    // ---------------------------------------------------------------- contexts talk through what they publish
    {
      name: 'kernel-not-to-contexts',
      severity: 'error',
      comment: 'The shared kernel knows no bounded context: it may import only itself and libs/config.',
      from: { path: KERNEL },
      to: { path: LIBS, pathNot: [KERNEL, CONFIG, NODE_MODULES] },
    },
    {
      name: 'config-to-nothing-in-libs',
      severity: 'error',
      comment: 'libs/config parses the environment; it imports no other library.',
      from: { path: CONFIG },
      to: { path: LIBS, pathNot: [CONFIG, NODE_MODULES] },
    },
    {
      name: 'context-only-through-published',
      severity: 'error',
      comment:
        "A context reaches another only through what that context publishes: its application facade " +
        "(`application/*.facade.ts`) or its event contracts (`contracts/`); never its domain, use cases, ports, " +
        'adapters or tables. (Its module may import the other\'s module, to be given the facade.)',
      from: { path: '(^|/)libs/([^/]+)/', pathNot: [KERNEL, CONFIG, CONTEXT_MODULE] },
      to: { path: LIBS, pathNot: ['(^|/)libs/$2/', KERNEL, CONFIG, NODE_MODULES, ...PUBLISHED] },
    },
    {
      name: 'context-module-only-through-published',
      severity: 'error',
      comment: "A context's module may import another context's module and what it publishes, nothing else of it.",
      from: { path: '(^|/)libs/([^/]+)/[^/]+\\.module\\.ts$', pathNot: [KERNEL] },
      to: { path: LIBS, pathNot: ['(^|/)libs/$2/', KERNEL, CONFIG, NODE_MODULES, CONTEXT_MODULE, ...PUBLISHED] },
    },

    // ---------------------------------------------------------------- libs never reach into apps; apps through entry points
    {
      name: 'libs-not-to-apps',
      severity: 'error',
      comment: 'Nothing under libs/ may import apps/*: apps are composition roots.',
      from: { path: LIBS, pathNot: NODE_MODULES },
      to: { path: APPS, pathNot: NODE_MODULES },
    },
    {
      name: 'apps-not-into-each-other',
      severity: 'error',
      comment: 'An app imports another app only through its entry point (apps/<app>/src/index.ts), never its internals.',
      from: { path: '(^|/)apps/([^/]+)/' },
      to: { path: APPS, pathNot: ['(^|/)apps/$2/', '(^|/)apps/[^/]+/src/index\\.ts$', NODE_MODULES] },
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

// One jest run for every layer: unit specs sit beside the code, contract and e2e suites in test/.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/fixtures/'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        // .swcrc is for the build (path rewriting); jest resolves aliases with moduleNameMapper.
        swcrc: false,
        jsc: {
          target: 'es2023',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Nest 12 and a few of its dependencies ship ES modules only; jest's CommonJS loader needs them transformed.
  transformIgnorePatterns: [
    '/node_modules/(?!(.*/)?(@nestjs|@nestjs-cls|nestjs-cls|cookie|file-type|load-esm|uid|uuid|content-disposition)/)',
  ],
  moduleNameMapper: {
    '^@ln/(.*)$': '<rootDir>/libs/$1',
    '^@app/([^/]+)$': '<rootDir>/apps/$1/src/index.ts',
    '^@app/([^/]+)/(.*)$': '<rootDir>/apps/$1/src/$2',
  },
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Generous for the suites that boot the app: a fresh PGlite (initdb) takes 3-5 s on a quiet host, 20-30 s on a busy one.
  testTimeout: 60000,
  maxWorkers: 2,
};

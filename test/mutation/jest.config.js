// Jest for mutation runs (test/mutation/stryker.config.mjs): the project's config without its
// globalSetup, which builds dist/ and probes PostgreSQL, Redis and RabbitMQ for the suites that
// need them. The suites a mutation run picks (testMatch, set per context by the Stryker config)
// need neither.
const path = require('node:path');
const base = require('../../jest.config.js');

const { globalSetup: _setup, globalTeardown: _teardown, ...rest } = base;

/** @type {import('jest').Config} */
module.exports = { ...rest, rootDir: path.resolve(__dirname, '../..'), maxWorkers: 1 };

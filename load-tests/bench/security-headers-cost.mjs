// What writing the security headers costs per request (ADR 21, amendment of 2026-12-05):
// @fastify/helmet's way (helmet(options) rebuilt on every request), helmet built once, and the
// constants apps/api/src/http/security-headers.ts writes. CPU time per call, median of 7 rounds.
//   node load-tests/bench/security-headers-cost.mjs
import { createRequire } from 'node:module';

// helmet is @fastify/helmet's own dependency: the function the plugin calls per request.
const require = createRequire(import.meta.url);
const helmetModule = require(require.resolve('helmet', { paths: [require.resolve('@fastify/helmet')] }));
const helmet = helmetModule.default ?? helmetModule;

const options = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  crossOriginEmbedderPolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};
const HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};
const response = () => {
  const headers = {};
  return { setHeader: (k, v) => (headers[k] = v), removeHeader: (k) => delete headers[k], headers };
};
const request = { method: 'GET', headers: {} };
const builtOnce = helmet(options);
const cases = {
  '@fastify/helmet (helmet(options) per request)': () => helmet(options)(request, response(), () => {}),
  'helmet built once': () => builtOnce(request, response(), () => {}),
  'constants (ours)': () => {
    const r = response();
    for (const k in HEADERS) r.setHeader(k, HEADERS[k]);
  },
};
const results = {};
for (let round = 0; round < 7; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const n = 200_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run();
    (results[name] ??= []).push(Number(process.hrtime.bigint() - t0) / n / 1000);
  }
}
for (const [name, rounds] of Object.entries(results)) {
  const sorted = rounds.sort((a, b) => a - b);
  console.log(`${name}: median ${sorted[3].toFixed(2)} µs per request (rounds ${sorted.map((x) => x.toFixed(2)).join(' ')})`);
}

import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import { API_HEADERS, DOCS_CONTENT_SECURITY_POLICY, DOCS_HEADERS } from './security-headers';

/**
 * The security headers are constants (ADR 21 and its amendment: @fastify/helmet rebuilds its middleware on
 * every request and cannot reach the answers no hook runs for). @fastify/helmet is the reference:
 * configured to our policy, it must send exactly the headers our constants send, no more, no less
 * (Cache-Control aside: not a helmet header).
 */
const NOT_OURS = {
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const;

function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
}

async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const app = Fastify();
  await app.register(fastifyHelmet, options);
  app.get('/', async () => ({}));
  const res = await app.inject('/');
  await app.close();
  const ours = ['content-security-policy', 'referrer-policy', 'x-content-type-options', 'x-frame-options', 'strict-transport-security', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
  return Object.fromEntries(Object.entries(res.headers).filter(([name]) => ours.includes(name)).map(([name, value]) => [name, String(value)]));
}

function withoutCacheControl(headers: Readonly<Record<string, string>>) {
  const { 'cache-control': _cacheControl, 'content-security-policy': csp, ...rest } = headers;
  return { ...rest, 'content-security-policy': directives(csp) };
}

describe('security headers against @fastify/helmet', () => {
  it("the API's constants are what helmet sends for default-src 'none', frame-ancestors 'none', no-referrer, DENY and nosniff", async () => {
    const helmet = await helmetHeaders({
      ...NOT_OURS,
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    });
    expect(withoutCacheControl(API_HEADERS)).toEqual({ ...helmet, 'content-security-policy': directives(helmet['content-security-policy']) });
    expect(API_HEADERS['cache-control']).toBe('no-store');
  });

  it("Swagger UI's constants are what helmet sends for the docs policy", async () => {
    const policy = directives(DOCS_CONTENT_SECURITY_POLICY);
    const helmet = await helmetHeaders({
      ...NOT_OURS,
      contentSecurityPolicy: { useDefaults: false, directives: policy },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    });
    expect(withoutCacheControl(DOCS_HEADERS)).toEqual({ ...helmet, 'content-security-policy': directives(helmet['content-security-policy']) });
    expect(DOCS_HEADERS['cache-control']).toBeUndefined();
  });
});

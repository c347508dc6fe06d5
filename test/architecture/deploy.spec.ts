// The deployment files, checked where no Docker engine runs (these machines): docker/compose.yaml's
// structure, the balancer's nginx config with nginx itself (`nginx -t`; under CI=true a missing
// nginx fails the run, .ci/run installs it), .env.example against the variables the config reads,
// and the build context (.dockerignore) and image (Dockerfile) settings that matter.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// js-yaml is in node_modules already (jest's config loader depends on it); its YAML 1.1 reading
// resolves the compose file's anchors and merge keys as compose does.
const { load } = require('js-yaml') as { load(text: string): unknown };

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  expose?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
  healthcheck?: unknown;
}
const compose = load(read('docker/compose.yaml')) as { services: Record<string, Service>; networks?: Record<string, { ipam?: { config: { subnet: string }[] } }> };
const services = compose.services;
const APP_SERVICES = ['api', 'worker'];
const NGINX_CONF = 'docker/nginx/life-navigation.conf';

/** `${NAME:-default}` -> default, as compose interpolates it with NAME unset. */
const defaulted = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('docker/compose.yaml', () => {
  it('runs two api replicas and two workers from one image, built from docker/Dockerfile', () => {
    for (const name of APP_SERVICES) {
      expect({ name, replicas: services[name].deploy?.replicas }).toEqual({ name, replicas: 2 });
      expect(services[name].build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    }
    const images = new Set(APP_SERVICES.map((name) => services[name].image));
    expect(images).toEqual(new Set(['${APP_IMAGE:-life-navigation:local}']));
    expect(services.api.environment?.ROLE).toBe('api');
    expect(services.worker.environment?.ROLE).toBe('worker');
    // Every role the same write path and key (a queued api with a sync worker would never settle).
    expect(services.api.environment?.WRITE_PATH).toBe(services.worker.environment?.WRITE_PATH);
    expect(services.api.environment?.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
  });

  it('publishes only the balancer (and loopback-only tools): no api port, and never the operations port 9464', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        const mapping = defaulted(port);
        expect({ name, mapping, ops: /(^|:)9464(:|$)/.test(mapping) }).toEqual({ name, mapping, ops: false });
        // A published port is the balancer's or bound to the host's loopback.
        if (name !== 'balancer') expect({ name, mapping }).toEqual({ name, mapping: expect.stringMatching(/^127\.0\.0\.1:/) });
      }
    }
    expect(services.api.ports).toBeUndefined();
    expect(services.worker.ports).toBeUndefined();
    expect(services.balancer.ports?.map(defaulted)).toEqual(['3000:80']);
  });

  it('puts nginx with docker/nginx/life-navigation.conf in front of the api, trusted for X-Forwarded-For at its fixed address', () => {
    const balancer = services.balancer;
    expect(balancer.image).toMatch(/^nginx:\d/);
    expect(balancer.volumes).toContain('./nginx/life-navigation.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(balancer.depends_on).toMatchObject({ api: { condition: 'service_healthy' } });
    const address = defaulted(balancer.networks?.default.ipv4_address ?? '');
    expect(defaulted(services.api.environment?.TRUSTED_PROXIES ?? '')).toBe(address);
    const subnet = defaulted(compose.networks?.default.ipam?.config[0].subnet ?? '');
    expect(subnet).toBe('10.86.0.0/24');
    expect(address.startsWith('10.86.0.')).toBe(true);
  });
});

describe('the balancer (docker/nginx/life-navigation.conf)', () => {
  const conf = read(NGINX_CONF);
  const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(conf);

  it("balances over the api service's replicas on the API port, never the operations port", () => {
    expect(upstream).not.toBeNull();
    const servers = [...upstream![2].matchAll(/^\s*server\s+(\S+)/gm)].map((m) => m[1]);
    // `api` is the compose service with 2 replicas: nginx adds a server for each address its name resolves to.
    expect(servers).toEqual(['api:3000']);
    expect(conf).toContain(`proxy_pass http://${upstream![1]};`);
    const directives = conf.replace(/#.*$/gm, '');
    expect(directives).not.toMatch(/9464/);
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    expect(conf).toMatch(/proxy_set_header X-Request-Id /);
  });

  it('is a configuration nginx accepts (nginx -t)', () => {
    const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
    if (!nginx) {
      if (process.env.CI === 'true') throw new Error('nginx is not installed (CI=true): .ci/run installs it (apt-get install nginx)');
      console.warn('nginx not installed: skipping nginx -t (apt-get install nginx)');
      return;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ln-nginx-'));
    try {
      // The compose service name does not resolve here: the same file with the name on loopback.
      writeFileSync(path.join(dir, 'default.conf'), conf.replace(/server\s+api:3000/g, 'server 127.0.0.1:3000'));
      // What the nginx image's main config provides around conf.d/default.conf.
      writeFileSync(path.join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  include ${dir}/default.conf;\n}\n`);
      const result = spawnSync(nginx, ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.env.example', () => {
  const example = read('.env.example');
  const documented = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  // The variables the process reads: the keys of libs/config's environment schema.
  const config = read('libs/config/config.ts');
  const schema = config.slice(config.indexOf('const EnvSchema'), config.indexOf('.superRefine'));
  const read_ = [...schema.matchAll(/^ {4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);

  it('names every variable libs/config reads', () => {
    expect(read_.length).toBeGreaterThan(40);
    expect(read_.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('holds no secret: JWT_SECRET, LLM_API_KEY and the passwords are empty', () => {
    for (const name of ['JWT_SECRET', 'LLM_API_KEY', 'POSTGRES_PASSWORD', 'RABBITMQ_PASSWORD']) {
      expect({ name, line: example.match(new RegExp(`^${name}=.*$`, 'm'))?.[0] }).toEqual({ name, line: `${name}=` });
    }
  });

  it('sets no default over the image (DATA_DIR, HOST...): every non-secret line is a comment', () => {
    const set = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(set.sort()).toEqual(['JWT_SECRET', 'LLM_API_KEY', 'POSTGRES_PASSWORD', 'RABBITMQ_PASSWORD']);
  });
});

describe('the image', () => {
  const dockerfile = read('docker/Dockerfile');

  it('builds on Node 26 (the active LTS) and labels the image with the OCI keys, revision, version and creation time from build args', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:26-([a-z]+-)?slim$/m);
    for (const key of ['title', 'description', 'source', 'licenses', 'revision', 'version', 'created', 'base.name']) {
      expect(dockerfile).toContain(`org.opencontainers.image.${key}=`);
    }
    for (const arg of ['REVISION', 'VERSION', 'CREATED']) expect(dockerfile).toMatch(new RegExp(`^ARG ${arg}=`, 'm'));
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('.dockerignore lets in only what the Dockerfile copies: no node_modules, dist, data, .env or tests', () => {
    const rules = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rules[0]).toBe('*');
    const allowed = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, ''));
    expect(allowed.sort()).toEqual(['.swcrc', 'apps', 'libs', 'package-lock.json', 'package.json', 'tsconfig.json']);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    for (const source of copied) expect({ source, allowed: allowed.includes(source.replace(/^\.\//, '')) }).toEqual({ source, allowed: true });
    expect(rules).toContain('**/*.spec.ts');
  });
});

describe('the smoke test (docker/smoke-test.sh, run by the deploy workflow on the built image)', () => {
  it('is valid bash that starts the image as an api and a worker and runs docker/smoke-probe.mjs against both', () => {
    const script = read('docker/smoke-test.sh');
    expect(spawnSync('bash', ['-n', path.join(ROOT, 'docker/smoke-test.sh')], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    expect(script).toMatch(/-e ROLE=api /);
    expect(script).toMatch(/-e ROLE=worker /);
    expect(script).toMatch(/smoke-probe\.mjs" http:\/\/127\.0\.0\.1:3000 http:\/\/127\.0\.0\.1:9464 http:\/\/127\.0\.0\.1:9465/);
    expect(existsSync(path.join(ROOT, 'docker/smoke-probe.mjs'))).toBe(true);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port';

/**
 * The balancer's config (docker/nginx/life-navigation.conf) run by a real nginx on loopback, in
 * front of two stand-in replicas: requests are spread over both, the caller's address and request id
 * reach the api, an idempotent request a closing replica refused (503) goes to the other, and a POST
 * never does. Only the listen address and the upstream's addresses differ from what compose mounts.
 * nginx is Debian's (.ci/run installs it); under CI=true a missing nginx fails the suite.
 */
const ROOT = path.resolve(__dirname, '../..');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));


interface Seen {
  replica: string;
  method: string;
  url: string;
  forwardedFor?: string;
  requestId?: string;
}

/** A stand-in api replica: answers who it is and what it was sent; `/closing` is 503 on replica "a" (a replica shutting down). */
function replica(name: string, seen: Seen[]): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ replica: name, method: req.method ?? '', url: req.url ?? '', forwardedFor: req.headers['x-forwarded-for'] as string | undefined, requestId: req.headers['x-request-id'] as string | undefined });
      const refuse = req.url === '/closing' && name === 'a';
      res.writeHead(refuse ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ replica: name }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) })));
}

const describeWithNginx = NGINX || process.env.CI === 'true' ? describe : describe.skip;
if (!NGINX && process.env.CI !== 'true') console.warn('nginx not installed: skipping the balancer e2e suite (apt-get install nginx)');

describeWithNginx('the balancer (nginx with docker/nginx/life-navigation.conf)', () => {
  const seen: Seen[] = [];
  let replicas: { port: number; close(): Promise<void> }[] = [];
  let nginx: ChildProcess | undefined;
  let dir = '';
  let port = 0;

  beforeAll(async () => {
    if (!NGINX) throw new Error('nginx is not installed (CI=true): .ci/run installs it (apt-get install nginx)');
    replicas = [await replica('a', seen), await replica('b', seen)];
    port = await freePort();
    dir = mkdtempSync(path.join(os.tmpdir(), 'ln-balancer-'));
    // nginx's workers run as nobody: they write their temp files here.
    chmodSync(dir, 0o755);
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      mkdirSync(path.join(dir, sub));
      chmodSync(path.join(dir, sub), 0o777);
    }
    const conf = readFileSync(path.join(ROOT, 'docker/nginx/life-navigation.conf'), 'utf8');
    const upstreamLine = /^(\s*)server api:3000 (.*);$/m;
    expect(conf).toMatch(upstreamLine);
    const local = conf
      .replace(upstreamLine, (_line, indent: string, params: string) => replicas.map((r) => `${indent}server 127.0.0.1:${r.port} ${params};`).join('\n'))
      .replace(/^\s*listen \[::\]:80;\n/m, '')
      .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
      .replace(/access_log \/var\/log\/nginx\/access\.log /, `access_log ${dir}/access.log `);
    writeFileSync(path.join(dir, 'default.conf'), local);
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t === 'body' ? 'client_body' : t}_temp_path ${dir}/${t};`),
        `  include ${dir}/default.conf;`,
        '}',
        '',
      ].join('\n'),
    );
    nginx = spawn(NGINX, ['-p', dir, '-e', `${dir}/error.log`, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 100; i++) {
      if (nginx.exitCode !== null) break;
      const ok = await fetch(`http://127.0.0.1:${port}/balancer/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nginx did not start: ${existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : 'no error log'}`);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    await Promise.all(replicas.map((r) => r.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs each request by its path without the query string (a stream token in ?access_token= never reaches the log)', async () => {
    await fetch(`http://127.0.0.1:${port}/v1/events?access_token=stream-token-sekret&lastEventId=7`);
    // nginx writes a line when the request ends; the file is its own.
    let log = '';
    for (let i = 0; i < 50 && !log.includes('/v1/events'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = existsSync(path.join(dir, 'access.log')) ? readFileSync(path.join(dir, 'access.log'), 'utf8') : '';
    }
    expect(log).toMatch(/"GET \/v1\/events HTTP\/1\.1" 200 /);
    expect(log).not.toContain('sekret');
    expect(log).not.toContain('lastEventId');
  });

  it("spreads requests over both replicas, with the caller's address in X-Forwarded-For and its X-Request-Id kept (or one made)", async () => {
    seen.length = 0;
    for (let i = 0; i < 10; i++) expect((await fetch(`http://127.0.0.1:${port}/v1/tasks?i=${i}`, { headers: { 'x-request-id': `req-${i}` } })).status).toBe(200);
    expect(new Set(seen.map((s) => s.replica))).toEqual(new Set(['a', 'b']));
    expect(seen.map((s) => s.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `req-${i}`));
    for (const s of seen) expect(s.forwardedFor).toBe('127.0.0.1');
    seen.length = 0;
    await fetch(`http://127.0.0.1:${port}/v1/me`);
    expect(seen[0].requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('returns what a closing replica answered a POST (503) as it is, never sending it on; sends such a GET to the other replica', async () => {
    seen.length = 0;
    const posts = [];
    for (let i = 0; i < 2; i++) posts.push((await fetch(`http://127.0.0.1:${port}/closing`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status);
    // Two in turn: one to each replica, each POST to exactly one, "a"'s 503 passed back.
    expect(seen.map((s) => s.replica).sort()).toEqual(['a', 'b']);
    expect(posts.sort()).toEqual([200, 503]);

    seen.length = 0;
    const gets = [];
    for (let i = 0; i < 2; i++) gets.push((await fetch(`http://127.0.0.1:${port}/closing`)).status);
    expect(gets).toEqual([200, 200]);
    // "a" was asked and refused: the answer came from "b" after it.
    expect(seen.filter((s) => s.replica === 'a').length).toBeGreaterThanOrEqual(1);
  });

  it('takes a replica that failed 3 times within 10 s out of the rotation (passive health)', async () => {
    // GETs to /closing until "a" has refused three of them (each was answered by "b" instead).
    const refusedByA = () => seen.filter((s) => s.replica === 'a').length;
    for (let i = 0; i < 10 && refusedByA() < 3; i++) await fetch(`http://127.0.0.1:${port}/closing`);
    seen.length = 0;
    for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${port}/v1/tasks?after=${i}`)).status).toBe(200);
    expect(seen.map((s) => s.replica)).toEqual(['b', 'b', 'b', 'b', 'b', 'b']);
  });

  it('does not proxy the operations port: /metrics is whatever the api port answers (there, a 404), never 9464', async () => {
    seen.length = 0;
    await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(seen).toHaveLength(1);
    expect(replicas.map((r) => r.port)).not.toContain(9464);
  });
});

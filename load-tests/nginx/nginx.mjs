// A private nginx (Debian's package) on loopback in front of several api processes, for
// `npm run bench` (case scale-out) and `npm run chaos` (CHAOS_APIS > 1). Its own config, prefix,
// pid file, logs and temp dirs in one temp dir; not a daemon: a child process stopped by its pid.
// The machine's own nginx service (if any) is never touched.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = [process.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].filter(Boolean);

/** The nginx binary and its version, or `{ missing }` saying how to get it. */
export function findNginx() {
  for (const bin of CANDIDATES) {
    if (!existsSync(bin)) continue;
    const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
    if (r.status === 0) return { bin, version: (r.stderr || r.stdout).trim() };
  }
  return { missing: `nginx not found (looked at ${CANDIDATES.join(', ')}); install Debian's package (apt-get install -y nginx) or set NGINX_BIN` };
}

/**
 * The config: one `server` per entry of `sites` ({ port, upstream: [api ports] }), each proxying to
 * its own upstream over HTTP/1.1 keep-alive connections (`keepalive` idle connections cached per
 * nginx worker; `Connection: ""` so nginx does not send `close`), round robin. A request that could
 * not be sent to one api (refused, down) goes to the next; one already sent is never resent
 * (`proxy_next_upstream` default: POST/PATCH are not idempotent), so a client sees a 502 and
 * decides, as it would behind any balancer.
 */
function config(dir, sites, { workers = 'auto', keepalive = 64, connections = 4096 } = {}) {
  const upstreams = sites
    .map(
      (s, i) => `  upstream api${i} {
${s.upstream.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive ${keepalive};
  }
  server {
    listen 127.0.0.1:${s.port} backlog=4096;
    location / {
      proxy_pass http://api${i};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
  }`,
    )
    .join('\n');
  return `# written by load-tests/nginx/nginx.mjs
daemon off;
master_process on;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${connections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  keepalive_timeout 75s;
  client_max_body_size 2m;
${upstreams}
}
`;
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('error', () => resolve(false));
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
  });
}

/**
 * Starts nginx with `sites`; resolves once every listen port accepts. Returns { child, pid, dir,
 * workerPids(), stop() }. `stop()` sends SIGQUIT (graceful) to the master, SIGKILL after 5 s, and
 * removes the temp dir (NGINX_KEEP=1 keeps it).
 */
export async function startNginx(sites, options = {}) {
  const found = findNginx();
  if (found.missing) throw new Error(found.missing);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ln-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, sites, options));
  // -e: the error log before the config is read (else nginx opens /var/log/nginx/error.log first).
  const child = spawn(found.bin, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', onExit);
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${out}${readLog(dir)}`);
    const open = await Promise.all(sites.map((s) => portOpen(s.port)));
    if (open.every(Boolean)) break;
    if (Date.now() - started > 15_000) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen within 15 s: ${out}${readLog(dir)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    pid: child.pid,
    dir,
    version: found.version,
    /** The worker processes' pids (children of the master), for their CPU time. */
    workerPids() {
      try {
        return readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
    errorLog: () => readLog(dir),
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (process.env.NGINX_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir) {
  try {
    return readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

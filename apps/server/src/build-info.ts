import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The version in the repository's package.json, found from this file upward (the sources under
 * apps/server/src, the build under dist/apps/server/src, the image's /app): `unknown` if none is
 * ours.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'life-navigation' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here (or not JSON): keep going up.
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/**
 * The source revision of a checkout (`git rev-parse --short=12 HEAD` run in `from`): `unknown`
 * outside one, or without git (the image passes BUILD_REVISION instead).
 */
export function gitRevision(from: string = __dirname): string {
  try {
    const out = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: from, timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim();
    return /^[0-9a-f]{7,40}$/.test(out) ? out : 'unknown';
  } catch {
    return 'unknown';
  }
}

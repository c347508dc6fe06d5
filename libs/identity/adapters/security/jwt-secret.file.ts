import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Embedded mode's signing key: generated on first start, kept (mode 0600) in the data folder
 * so tokens survive restarts. Services mode never comes here; it requires JWT_SECRET.
 */
export function loadOrCreateJwtSecret(dataDir: string): string {
  const file = path.resolve(dataDir, 'jwt-secret');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 43) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // 'wx' fails if a concurrent start wrote one first; then that one is read back. A file too
  // short to be a key (empty, truncated) is replaced.
  try {
    writeFileSync(file, secret + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 43) return existing;
    writeFileSync(file, secret + '\n', { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return secret;
}

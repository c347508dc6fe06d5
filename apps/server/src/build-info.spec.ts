import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { gitRevision, packageVersion } from './build-info';

describe('packageVersion', () => {
  it("is the repository's package.json version, found upward from the code", () => {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
  });

  it("skips another package's package.json on the way up, and is unknown when none is ours", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ln-version-'));
    try {
      const nested = path.join(root, 'app', 'dist', 'apps', 'server', 'src');
      mkdirSync(nested, { recursive: true });
      writeFileSync(path.join(root, 'app', 'dist', 'package.json'), JSON.stringify({ name: 'something-else', version: '9.9.9' }));
      expect(packageVersion(nested)).toBe('unknown');
      writeFileSync(path.join(root, 'app', 'package.json'), JSON.stringify({ name: 'life-navigation', version: '1.2.3' }));
      expect(packageVersion(nested)).toBe('1.2.3');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('gitRevision', () => {
  it("is the checkout's HEAD, 12 hex digits", () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, encoding: 'utf8' }).trim();
    const revision = gitRevision();
    expect(revision).toMatch(/^[0-9a-f]{12}$/);
    expect(head.startsWith(revision)).toBe(true);
  });

  it('is unknown outside a checkout', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ln-revision-'));
    try {
      expect(gitRevision(root)).toBe('unknown');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

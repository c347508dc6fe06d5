// The k6 scripts (load-tests/k6) are JavaScript that k6 runs, checked here as TypeScript would check
// it (checkJs, strict) against @types/k6 alone: k6 cannot run on these machines (TOOLCHAIN.md), so a
// wrong API call, option or field would otherwise be found only by whoever runs them. A broken copy
// proves the check can fail, and that Node's globals are not available to the scripts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const K6 = path.join(ROOT, 'load-tests/k6');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

function typecheck(project: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { encoding: 'utf8', cwd: ROOT });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('load-tests/k6', () => {
  it('every scenario type-checks against @types/k6', () => {
    expect(typecheck(path.join(K6, 'tsconfig.json'))).toEqual({ status: 0, output: '' });
  });

  it('has the reads, writes, 10:1 mixed and 2,000-VU extreme scenarios, all seeded by the shared setup() and holding the original thresholds', () => {
    const scripts = readdirSync(K6).filter((f) => f.endsWith('.js')).sort();
    expect(scripts).toEqual(['extreme.js', 'mixed.js', 'reads.js', 'writes.js']);
    for (const script of scripts) {
      const text = readFileSync(path.join(K6, script), 'utf8');
      expect({ script, seeded: /from '\.\/lib\/setup\.js'/.test(text) && /\bseed\(|setup = seed/.test(text), original: text.includes('...ORIGINAL') }).toEqual({ script, seeded: true, original: true });
    }
    const thresholds = readFileSync(path.join(K6, 'lib/thresholds.js'), 'utf8');
    expect(thresholds).toContain("http_req_failed: ['rate<0.05']");
    expect(thresholds).toContain("http_req_duration: ['p(95)<800']");
    expect(readFileSync(path.join(K6, 'extreme.js'), 'utf8')).toMatch(/positiveInt\('VUS', 2000\)/);
  });

  it('fails on a script that misuses the k6 API or reaches for Node', () => {
    const dir = mkdtempSync(path.join(K6, '.broken-'));
    try {
      writeFileSync(
        path.join(dir, 'broken.js'),
        [
          '// @ts-check',
          "import http from 'k6/http';",
          "/** @type {import('k6/options').Options} */",
          "export const options = { vus: '10' };",
          'export default function () {',
          '  http.get(42);',
          '  process.exit(1);',
          '}',
          '',
        ].join('\n'),
      );
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['broken.js'] }));
      const { status, output } = typecheck(path.join(dir, 'tsconfig.json'));
      expect(status).not.toBe(0);
      expect(output).toMatch(/broken\.js\(4,.*TS2322/);
      expect(output).toMatch(/broken\.js\(6,.*TS2345/);
      expect(output).toMatch(/broken\.js\(7,.*Cannot find name 'process'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Debian's Prometheus (`apt-get install -y prometheus`: the server and promtool), which `.ci/run`
 * installs. Outside CI a suite that needs it is skipped with a warning; under CI=true it fails.
 */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

export const ROOT = path.resolve(__dirname, '../..');
export const RULES_DIR = path.join(ROOT, 'docker/prometheus/rules');
export const RULE_TESTS_DIR = path.join(ROOT, 'docker/prometheus/tests');
export const DASHBOARDS_DIR = path.join(ROOT, 'docker/grafana/dashboards');

export function describeWithBinary(binary: string, title: string, body: () => void): void {
  if (existsSync(binary)) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${binary}`, () => {
        throw new Error(`CI=true and ${binary} is not installed: apt-get install -y prometheus`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED: ${title}: ${binary} is not installed (apt-get install -y prometheus)`);
    describe.skip(`${title} [no ${path.basename(binary)}]`, body);
  }
}

export const filesIn = (dir: string, ext: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => path.join(dir, f));

/**
 * The alerting rules of the rule files: name and expression. A small reader for the layout our rule
 * files keep (`- alert: Name` then `expr: |` with an indented block, or `expr: <one line>`), so the
 * tests need no YAML package; Prometheus itself loads the same files in the e2e test, and that test
 * checks it found the same alerts.
 */
export function alertRules(files: string[] = filesIn(RULES_DIR, '.yml')): { name: string; expr: string }[] {
  const rules: { name: string; expr: string }[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const alert = /^\s*- alert: (\S+)\s*$/.exec(lines[i]);
      if (!alert) continue;
      const exprAt = lines.findIndex((l, j) => j > i && /^\s*expr:/.test(l));
      const inline = /^\s*expr:\s*([^|\s].*)$/.exec(lines[exprAt]);
      let expr: string;
      if (inline) {
        expr = inline[1].trim();
      } else {
        const indent = /^(\s*)/.exec(lines[exprAt])![1].length;
        const block: string[] = [];
        for (let j = exprAt + 1; j < lines.length && (lines[j].trim() === '' || /^(\s*)/.exec(lines[j])![1].length > indent); j++) block.push(lines[j].trim());
        expr = block.join(' ').trim();
      }
      rules.push({ name: alert[1], expr });
    }
  }
  return rules;
}

/** The metric names an expression reads (ours are all `ln_*`, plus `up`). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b(ln_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)) names.add(m[1]);
  return [...names];
}

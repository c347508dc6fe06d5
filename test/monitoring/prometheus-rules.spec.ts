import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROMTOOL_BIN, ROOT, RULES_DIR, RULE_TESTS_DIR, alertRules, describeWithBinary, filesIn } from '../support/prometheus';

/**
 * The alert rules in docker/prometheus/rules, checked and unit-tested by promtool (Debian's
 * Prometheus), and every alert covered by a case where it fires and one where it stays quiet.
 */
describeWithBinary(PROMTOOL_BIN, 'Prometheus alert rules (promtool)', () => {
  const promtool = (...args: string[]) => {
    const run = spawnSync(PROMTOOL_BIN, args, { cwd: ROOT, encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  it('promtool check rules accepts every rule file', () => {
    const files = filesIn(RULES_DIR, '.yml');
    expect(files.length).toBeGreaterThan(0);
    const run = promtool('check', 'rules', ...files);
    expect(run.output).toMatch(/SUCCESS/);
    expect(run.status).toBe(0);
  });

  it('promtool check config accepts the compose Prometheus configuration', () => {
    const run = promtool('check', 'config', path.join(ROOT, 'docker/prometheus/prometheus.yml'));
    expect(run.output).toMatch(/SUCCESS/);
    expect(run.status).toBe(0);
  });

  it('promtool test rules passes every unit test', () => {
    const files = filesIn(RULE_TESTS_DIR, '.yml');
    expect(files.length).toBeGreaterThan(0);
    const run = promtool('test', 'rules', ...files);
    expect(run.output).not.toMatch(/FAILED/);
    expect(run.status).toBe(0);
  });

  it('every alert has a unit test where it fires and one where it stays quiet', () => {
    const alerts = alertRules().map((r) => r.name);
    expect(alerts.length).toBeGreaterThanOrEqual(12);
    // Each alert test case: `alertname: X` then `exp_alerts: []` (quiet) or `exp_alerts:` and a list (fires).
    const cases = filesIn(RULE_TESTS_DIR, '.yml').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/alertname: (\S+)\s*\n\s*exp_alerts:( \[\])?\s*\n(\s*- exp_labels:)?/g)].map((m) => ({
        alert: m[1],
        fires: m[2] === undefined && m[3] !== undefined,
        quiet: m[2] !== undefined,
      })),
    );
    const missing = alerts.flatMap((name) => [
      ...(cases.some((c) => c.alert === name && c.fires) ? [] : [`${name}: no case where it fires`]),
      ...(cases.some((c) => c.alert === name && c.quiet) ? [] : [`${name}: no case where it stays quiet`]),
    ]);
    expect(missing).toEqual([]);
    // And no test names an alert that does not exist (a renamed alert would leave its tests behind).
    expect(cases.map((c) => c.alert).filter((a) => !alerts.includes(a))).toEqual([]);
  });
});

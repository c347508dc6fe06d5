import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DASHBOARDS_DIR, ROOT, filesIn } from '../support/prometheus';

/**
 * What Grafana needs of the provisioned files and cannot be checked here by Grafana itself (it is
 * not installable on these machines): every panel's datasource is the provisioned one, ids and
 * places are unique, the provider loads the folder compose mounts. The queries themselves are run
 * against a real Prometheus in prometheus.e2e.spec.ts.
 */
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

const datasourceUid = /^\s*uid:\s*(\S+)\s*$/m.exec(readFileSync(path.join(ROOT, 'docker/grafana/provisioning/datasources/prometheus.yml'), 'utf8'))![1];
const compose = readFileSync(path.join(ROOT, 'docker/compose.yaml'), 'utf8');
const provider = readFileSync(path.join(ROOT, 'docker/grafana/provisioning/dashboards/life-navigation.yml'), 'utf8');

describe.each(filesIn(DASHBOARDS_DIR, '.json').map((f) => [path.basename(f), f]))('Grafana dashboard %s', (_name, file) => {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { uid: string; title: string; panels: Panel[] };

  it('has a uid and a title, and every query panel reads the provisioned Prometheus datasource', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect([panel.title, panel.datasource]).toEqual([panel.title, { type: 'prometheus', uid: datasourceUid }]);
      for (const target of panel.targets ?? []) expect([panel.title, target.datasource?.uid]).toEqual([panel.title, datasourceUid]);
      expect(new Set(panel.targets?.map((t) => t.refId)).size).toBe(panel.targets?.length);
    }
  });

  it('has unique panel ids and titles, and panels that fit the 24-column grid without overlapping', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = dashboard.panels.map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
    const taken = new Map<string, string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          expect([p.title, taken.get(cell)]).toEqual([p.title, undefined]);
          taken.set(cell, p.title);
        }
      }
    }
  });
});

describe('Grafana provisioning in compose', () => {
  it('mounts the dashboards where the provider reads them, and the provisioning folder', () => {
    const dashboardsPath = /^\s*path:\s*(\S+)\s*$/m.exec(provider)![1];
    expect(compose).toContain(`./grafana/dashboards:${dashboardsPath}:ro`);
    expect(compose).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(compose).toContain('./prometheus:/etc/prometheus:ro');
  });
});

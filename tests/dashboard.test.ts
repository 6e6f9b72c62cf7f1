/**
 * Issue 15, the dashboard: `ops/grafana/dashboard.json` is a Grafana dashboard over the metrics the BFF
 * exports. Grafana itself is not here to load it, so what can be checked is: the JSON is the shape
 * Grafana imports (a datasource variable, unique panel ids on the grid), every query is valid PromQL
 * (promtool checks them, as recording rules, with the dashboard's variables filled in), every query
 * reads only metrics the BFF exports (Node's process metrics included, as /metrics serves them), and the
 * README's table lists every panel with its queries, exactly.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportedMetricNames } from './helpers/exported-metrics.ts';
import { promtool } from './helpers/promtool.ts';

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Array<{ name: string; type: string }> };
  panels: Panel[];
}

const dashboard = JSON.parse(readFileSync('ops/grafana/dashboard.json', 'utf8')) as Dashboard;
const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel, expr: target.expr })));

/** The query as Prometheus gets it: Grafana's variables filled in as "all instances" would. */
const asSent = (expr: string) =>
  expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*').replaceAll('$job', '.*');

describe('ops/grafana/dashboard.json', () => {
  it('is a dashboard Grafana imports: a Prometheus datasource variable, unique ids, panels on a 24-column grid', () => {
    expect(dashboard.uid).toBe('shopify-customer-session-bff');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([
      ['datasource', 'datasource'],
      ['job', 'query'],
      ['instance', 'query'],
    ]);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(['timeseries', 'stat'], panel.title).toContain(panel.type);
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
    // No two panels overlap on the grid.
    const cells = new Set<string>();
    for (const { gridPos, title } of dashboard.panels) {
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x += 1) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y += 1) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('every query is valid PromQL (promtool, as recording rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
    try {
      const file = join(dir, 'queries.yml');
      const rules = queries.map(
        ({ expr }, index) => `      - record: dashboard:query_${index}\n        expr: ${JSON.stringify(asSent(expr))}`,
      );
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const run = promtool(['check', 'rules', file]);
      expect(run.output).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads only metrics the BFF exports, filtered by the job and instance variables', async () => {
    const exported = await exportedMetricNames();
    for (const { panel, expr } of queries) {
      const selectors = [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\{([^}]*)\}/g)];
      expect(selectors.length, panel.title).toBeGreaterThan(0);
      for (const [, name, labels] of selectors) {
        expect(exported, `${panel.title} reads ${name}`).toContain(name);
        expect(labels, `${panel.title}: ${name}`).toContain('job=~"$job",instance=~"$instance"');
      }
    }
    // The fleet's own series are all on it.
    const read = new Set(queries.flatMap(({ expr }) => [...expr.matchAll(/\b(bff_[a-z_]+)/g)].map((m) => m[1])));
    for (const name of [
      'bff_token_refresh_total',
      'bff_token_refresh_duration_seconds_bucket',
      'bff_refresh_coalesced_total',
      'bff_upstream_requests_total',
      'bff_refresh_failure_spike',
      'bff_session_store_unavailable',
      'bff_session_store_failures_total',
    ]) {
      expect(read).toContain(name);
    }
  });

  it("README's table lists every panel and its queries, in order", () => {
    const readme = readFileSync('README.md', 'utf8');
    const cell = (text: string) => text.replaceAll('|', '\\|');
    const rows = dashboard.panels.map(
      (panel) => `| ${panel.title} | ${panel.targets.map((target) => `\`${cell(target.expr)}\``).join('<br>')} |`,
    );
    expect(readme).toContain(['| panel | query (PromQL) |', '| --- | --- |', ...rows].join('\n'));
  });
});

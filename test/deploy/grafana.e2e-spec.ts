import { readFileSync } from 'node:fs';
import { connect } from '../connections/socket-client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given } from '../support/given.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource: { uid: string } }>;
}

const dashboard = JSON.parse(readFileSync('deploy/grafana/heyblue-api.json', 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
};
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = queryPanels.flatMap((p) => p.targets!.map((t) => t.expr));

/** Labels Prometheus adds at scrape time or that histograms carry by construction. */
const SCRAPE_LABELS = new Set(['instance', 'job', 'le']);

/** `# TYPE` lines and the label names seen on samples, per metric family. */
function parseExposition(text: string): Map<string, { type: string; labels: Set<string> }> {
  const families = new Map<string, { type: string; labels: Set<string> }>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm))
    families.set(m[1]!, { type: m[2]!, labels: new Set() });
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)\{([^}]*)\}/gm)) {
    const family = families.get(m[1]!) ?? families.get(m[1]!.replace(/_(bucket|sum|count)$/, ''));
    for (const l of m[2]!.matchAll(/(\w+)="/g)) family?.labels.add(l[1]!);
  }
  return families;
}

describe('Grafana dashboard deploy/grafana/heyblue-api.json', () => {
  it('is a well-formed dashboard: unique panel ids, 24-column grid, every query on the datasource variable', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(
      expect.arrayContaining(['datasource', 'instance']),
    );
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.title.length).toBeGreaterThan(0);
    }
    expect(queryPanels.length).toBeGreaterThanOrEqual(10);
    for (const p of queryPanels) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets!.length).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.datasource.uid).toBe('${datasource}');
    }
  });

  describe('against a running app', () => {
    let t: TestApp;
    let families: Map<string, { type: string; labels: Set<string> }>;

    beforeAll(async () => {
      t = await startTestApp();
      // Some traffic so labelled series exist: HTTP answers of several statuses and an open socket.
      const citizen = await given.citizen(t);
      await api(t, 'GET', '/health/live');
      await api(t, 'GET', '/rewards/balance');
      const socket = await connect(t, citizen.accessToken);
      try {
        families = parseExposition(await (await fetch(`${t.url}/metrics`)).text());
      } finally {
        socket.close();
      }
    });
    afterAll(async () => {
      await t?.close();
    });

    it('every metric a panel queries is exposed by GET /metrics, with the labels the query groups by', () => {
      const used = new Set<string>();
      for (const expr of exprs) {
        const names = [...expr.matchAll(/\bheyblue_\w+/g)].map((m) => m[0]);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          const suffix = /_(bucket|sum|count)$/.exec(name);
          const family =
            families.get(name) ?? (suffix ? families.get(name.slice(0, -suffix[0].length)) : undefined);
          expect({ expr, name, exposed: Boolean(family) }).toEqual({ expr, name, exposed: true });
          if (suffix && !families.has(name)) expect(['histogram', 'summary']).toContain(family!.type);
          used.add(name.replace(/_(bucket|sum|count)$/, ''));
          // Labels a query groups or filters by must exist on the metric (checked where samples exist).
          const grouped = [...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) =>
            m[1]!.split(',').map((s) => s.trim()),
          );
          const filtered = [...expr.matchAll(/(\w+)=~?"/g)].map((m) => m[1]!);
          if (family!.labels.size > 0 && new Set(expr.match(/\bheyblue_\w+/g)).size === 1) {
            for (const label of [...grouped, ...filtered]) {
              if (!SCRAPE_LABELS.has(label))
                expect({ name, label, exposed: family!.labels.has(label) }).toEqual({
                  name,
                  label,
                  exposed: true,
                });
            }
          }
        }
      }
      // The panels cover the app's own metrics, not only the process defaults.
      for (const own of [
        'heyblue_http_request_duration_seconds',
        'heyblue_socket_connections',
        'heyblue_outbox_pending',
        'heyblue_dead_letters',
        'heyblue_event_queue_depth',
        'heyblue_event_apply_lag_seconds',
        'heyblue_event_oldest_waiting_seconds',
      ]) {
        expect(used).toContain(own);
      }
    });
  });
});

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const rules = (
  parse(readFileSync('deploy/prometheus/heyblue-alerts.yaml', 'utf8')) as {
    groups: Array<{ name: string; rules: Rule[] }>;
  }
).groups.flatMap((g) => g.rules);

/** Every metric name the application registers with prom-client (`name: 'heyblue_…'`). */
function registeredMetrics(dir = 'libs'): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) for (const n of registeredMetrics(path)) names.add(n);
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts'))
      for (const m of readFileSync(path, 'utf8').matchAll(/name: '(heyblue_\w+)'/g)) names.add(m[1]!);
  }
  return names;
}

describe('Prometheus alert rules deploy/prometheus/heyblue-alerts.yaml', () => {
  const metrics = registeredMetrics();

  it('has the consumer lag alerts, each well formed', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'HeyBlueConsumerLagHigh',
        'HeyBlueConsumerBacklogStuck',
        'HeyBlueOutboxNotRelayed',
      ]),
    );
    for (const r of rules) {
      expect(r.alert).toMatch(/^HeyBlue[A-Z]\w+$/);
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      if (r.for) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('has the dead-letter, alert-webhook and audit alerts (issue 23)', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'HeyBlueDeliveryDeadLettered',
        'HeyBlueDeadLettersPending',
        'HeyBlueAlertWebhookFailing',
        'HeyBlueAuditEntryMissing',
      ]),
    );
    const dead = rules.find((r) => r.alert === 'HeyBlueDeliveryDeadLettered')!;
    expect(dead.expr).toContain('heyblue_dead_lettered_total');
  });

  it('queries only metrics the application exports', () => {
    for (const r of rules) {
      const used = [...r.expr.matchAll(/\bheyblue_\w+/g)].map((m) =>
        m[0].replace(/_(bucket|sum|count|total)$/, ''),
      );
      expect(used.length).toBeGreaterThan(0);
      for (const name of used)
        expect({ alert: r.alert, name, exported: metrics.has(name) || metrics.has(`${name}_total`) }).toEqual(
          {
            alert: r.alert,
            name,
            exported: true,
          },
        );
    }
  });
});

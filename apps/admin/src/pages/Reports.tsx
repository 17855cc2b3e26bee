import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef, useState } from 'react';
import { saveBlob, withQuery } from '../api';
import { Empty, ErrorBox, isoDay, useApi, useLoad } from '../ui';

Chart.register(
  LineController,
  BarController,
  LineElement,
  BarElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
);

const METRICS = [
  { id: 'connections', label: 'Connections' },
  { id: 'points', label: 'Points issued' },
  { id: 'users', label: 'New users' },
  { id: 'donations', label: 'Donations (points per charity)' },
] as const;

interface Row {
  period: string;
  key: string;
  value: number;
  charity?: string;
  amountUsd?: number;
}

interface Summary {
  activeUsers: number;
  newUsers: number;
  connections: number;
  pointsIssued: number;
  pointsRedeemed: number;
  pointsDonated: number;
  trophiesAwarded: number;
}

const KPIS: Array<[keyof Summary, string]> = [
  ['activeUsers', 'Active users'],
  ['newUsers', 'New users'],
  ['connections', 'Connections'],
  ['pointsIssued', 'Points issued'],
  ['pointsRedeemed', 'Points redeemed'],
  ['pointsDonated', 'Points donated'],
  ['trophiesAwarded', 'Trophies awarded'],
];

const PALETTE = ['#1d4ed8', '#c2410c', '#047857', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4338ca'];

export function Reports() {
  const api = useApi();
  const today = new Date();
  const [metric, setMetric] = useState<string>('connections');
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 29 * 86_400_000)));
  const [to, setTo] = useState(isoDay(today));
  const [groupBy, setGroupBy] = useState('day');
  const [by, setBy] = useState('');
  const [kind, setKind] = useState<'line' | 'bar'>('line');
  const [error, setError] = useState<unknown>(null);
  const donations = metric === 'donations';
  const path = donations ? '/admin/reports/donations' : `/admin/reports/${metric}`;
  const query = { from, to, groupBy, by: donations ? undefined : by || undefined };

  const report = useLoad(() => api.get<{ rows: Row[] }>(path, query), [path, from, to, groupBy, by]);
  const summary = useLoad(() => api.get<Summary>('/admin/reports/summary', { from, to }), [from, to]);

  const rows = report.data?.rows ?? [];
  const keyOf = (r: Row) => (donations ? (r.charity ?? r.key) : r.key);
  const periods = [...new Set(rows.map((r) => r.period))].sort();
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(keyOf(r), (totals.get(keyOf(r)) ?? 0) + r.value);
  // The chart shows the 8 largest series; the table lists every key.
  const series = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k]) => k);
  const total = rows.reduce((n, r) => n + r.value, 0);

  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current?.destroy();
    chart.current = new Chart(canvas.current, {
      type: kind,
      data: {
        labels: periods,
        datasets: series.map((k, i) => ({
          label: k === 'all' ? (METRICS.find((m) => m.id === metric)?.label ?? metric) : k,
          data: periods.map((p) =>
            rows.filter((r) => r.period === p && keyOf(r) === k).reduce((n, r) => n + r.value, 0),
          ),
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
          tension: 0.2,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true } },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [report.data, kind]);

  const download = async () => {
    setError(null);
    try {
      saveBlob(await api.blob(withQuery(path, query)), `${metric}-${from}-${to}.csv`);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <section aria-labelledby="kpi-h">
        <h2 id="kpi-h" className="sr-only">
          Key figures for {from} to {to}
        </h2>
        <ErrorBox error={summary.error} />
        <ul className="kpis">
          {KPIS.map(([k, label]) => (
            <li key={k} className="kpi">
              <span className="kpi-label">{label}</span>
              <span className="kpi-value" data-testid={`kpi-${k}`}>
                {summary.data ? summary.data[k].toLocaleString() : '…'}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <form className="card row" onSubmit={(e) => e.preventDefault()}>
        <label>
          Metric
          <select value={metric} onChange={(e) => setMetric(e.target.value)}>
            {METRICS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label>
          Period
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
            <option value="day">Day</option>
            <option value="week">Week</option>
            <option value="month">Month</option>
          </select>
        </label>
        <label>
          Breakdown
          <select
            value={donations ? 'charity' : by}
            disabled={donations}
            onChange={(e) => setBy(e.target.value)}
          >
            {donations ? (
              <option value="charity">Charity</option>
            ) : (
              <>
                <option value="">None</option>
                <option value="state">State</option>
                <option value="zip">ZIP</option>
                <option value="precinct">Precinct</option>
              </>
            )}
          </select>
        </label>
        <fieldset className="inline">
          <legend>Chart</legend>
          <label className="check">
            <input type="radio" name="kind" checked={kind === 'line'} onChange={() => setKind('line')} /> Line
          </label>
          <label className="check">
            <input type="radio" name="kind" checked={kind === 'bar'} onChange={() => setKind('bar')} /> Bar
          </label>
        </fieldset>
        <button type="button" className="secondary" onClick={() => void download()}>
          Download CSV
        </button>
      </form>
      <ErrorBox error={report.error ?? error} />
      <div className="chart" data-testid="chart" data-total={total} data-points={rows.length}>
        <canvas
          ref={canvas}
          role="img"
          aria-label={`${metric} per ${groupBy}, ${from} to ${to}: total ${total}`}
        />
      </div>
      {report.data && total === 0 && <Empty>No {metric} in this range yet.</Empty>}
      {totals.size > 0 && (
        <table data-testid="breakdown">
          <caption>
            Breakdown {donations ? 'by charity' : by ? `by ${by}` : ''} ({from} – {to})
          </caption>
          <thead>
            <tr>
              <th scope="col">
                {donations ? 'Charity' : by ? by[0]!.toUpperCase() + by.slice(1) : 'Series'}
              </th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {[...totals.entries()]
              .sort((a, b) => b[1] - a[1])
              .map(([k, v]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td>{v.toLocaleString()}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </>
  );
}

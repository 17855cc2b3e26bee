import { Injectable } from '@nestjs/common';
import { Prisma } from '@heyblue/db';
import { ReadReplicas } from '@heyblue/platform';
import { periodLabel, REPORT_METRICS, type Dimension, type ReportQuery } from '../domain/report-query.js';

export interface ReportRow {
  period: string;
  key: string;
  value: number;
}

/** The fact column behind each rollup dimension (`all` sums every fact under the key ''). */
const FACT_KEY: Record<Dimension | 'all', Prisma.Sql> = {
  all: Prisma.sql`''`,
  zip: Prisma.sql`zip`,
  state: Prisma.sql`state`,
  precinct: Prisma.sql`precinct`,
};

/**
 * Daily sums of one metric and dimension over a range: closed days from the rollups, days
 * still marked dirty (today's, a late event's) summed from the facts. One statement, so one
 * snapshot: a rollup run that recomputes a day and clears its mark commits both together,
 * and a reader sees the day either way once, never twice or not at all. A report therefore
 * counts an event as soon as its fact is written, while a range of closed days costs what
 * the rollups cost.
 */
function dailySums(metric: string, dim: Dimension | 'all', from: string, to: string): Prisma.Sql {
  const key = FACT_KEY[dim];
  return Prisma.sql`
    SELECT r.day, r.key, r.value::int8 AS value FROM reporting_rollup r
    WHERE r.metric = ${metric} AND r.dim = ${dim} AND r.day BETWEEN ${from}::date AND ${to}::date
      AND NOT EXISTS (SELECT 1 FROM reporting_dirty_day d WHERE d.day = r.day)
    UNION ALL
    SELECT f.day, ${key} AS key, SUM(f.value)::int8 AS value FROM reporting_fact f
    WHERE f.metric = ${metric} AND f.day BETWEEN ${from}::date AND ${to}::date AND ${key} IS NOT NULL
      AND f.day IN (SELECT d.day FROM reporting_dirty_day d WHERE d.day BETWEEN ${from}::date AND ${to}::date)
    GROUP BY f.day, 2`;
}

/**
 * Reads rollups and still-dirty days' facts (and facts, for distinct active users). Weeks start on
 * Monday; all days are UTC. Reports may lag by a second: from a replica when one is in rotation.
 */
@Injectable()
export class ReportsQueries {
  constructor(private readonly replicas: ReadReplicas) {}

  async report(q: ReportQuery): Promise<ReportRow[]> {
    const fact = REPORT_METRICS[q.metric].fact;
    if (q.by === null) {
      // Every period of the range appears, empty ones with 0.
      const rows = await this.replicas.read(
        (db) => db.$queryRaw<Array<{ period: Date; value: bigint }>>`
        WITH periods AS (
          SELECT generate_series(date_trunc(${q.groupBy}, ${q.from}::date), date_trunc(${q.groupBy}, ${q.to}::date), ('1 ' || ${q.groupBy})::interval)::date AS period
        ), daily AS (${dailySums(fact, 'all', q.from, q.to)})
        SELECT p.period, COALESCE(SUM(r.value), 0)::int8 AS value
        FROM periods p
        LEFT JOIN daily r ON date_trunc(${q.groupBy}, r.day)::date = p.period
        GROUP BY p.period ORDER BY p.period`,
      );
      return rows.map((r) => ({
        period: periodLabel(r.period.toISOString().slice(0, 10), q.groupBy),
        key: 'all',
        value: Number(r.value),
      }));
    }
    const daily = dailySums(fact, q.by, q.from, q.to);
    const rows = await this.replicas.read(
      (db) => db.$queryRaw<Array<{ period: Date; key: string; value: bigint }>>`
      WITH daily AS (${daily})
      SELECT date_trunc(${q.groupBy}, day)::date AS period, key, SUM(value)::int8 AS value
      FROM daily
      GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return rows.map((r) => ({
      period: periodLabel(r.period.toISOString().slice(0, 10), q.groupBy),
      key: r.key,
      value: Number(r.value),
    }));
  }

  async summary(range: { from: string; to: string }) {
    // Both from one server (one replica, or the primary).
    const [sums, [active]] = await this.replicas.read((db) =>
      Promise.all([
        db.$queryRaw<Array<{ metric: string; value: bigint }>>`
      SELECT metric, SUM(value)::int8 AS value FROM (
        SELECT r.metric, r.value FROM reporting_rollup r
        WHERE r.dim = 'all' AND r.day BETWEEN ${range.from}::date AND ${range.to}::date
          AND NOT EXISTS (SELECT 1 FROM reporting_dirty_day d WHERE d.day = r.day)
        UNION ALL
        SELECT f.metric, f.value FROM reporting_fact f
        WHERE f.day BETWEEN ${range.from}::date AND ${range.to}::date
          AND f.day IN (SELECT d.day FROM reporting_dirty_day d WHERE d.day BETWEEN ${range.from}::date AND ${range.to}::date)
      ) s GROUP BY metric`,
        db.$queryRaw<Array<{ n: bigint }>>`
      SELECT COUNT(DISTINCT subject)::int8 AS n FROM reporting_fact WHERE day BETWEEN ${range.from}::date AND ${range.to}::date`,
      ]),
    );
    const of = (m: string) => Number(sums.find((s) => s.metric === m)?.value ?? 0);
    return {
      from: range.from,
      to: range.to,
      activeUsers: Number(active?.n ?? 0),
      newUsers: of('users'),
      connections: of('connections'),
      pointsIssued: of('points_issued'),
      pointsRedeemed: of('points_redeemed'),
      pointsDonated: of('points_donated'),
      trophiesAwarded: of('trophies'),
    };
  }
}

import { Injectable } from '@nestjs/common';
import { PrismaService } from '@heyblue/platform';
import { periodLabel, REPORT_METRICS, type ReportQuery } from '../domain/report-query.js';

export interface ReportRow {
  period: string;
  key: string;
  value: number;
}

/** Reads rollups (and facts, for distinct active users). Weeks start on Monday; all days are UTC. */
@Injectable()
export class ReportsQueries {
  constructor(private readonly prisma: PrismaService) {}

  async report(q: ReportQuery): Promise<ReportRow[]> {
    const fact = REPORT_METRICS[q.metric].fact;
    if (q.by === null) {
      // Every period of the range appears, empty ones with 0.
      const rows = await this.prisma.$queryRaw<Array<{ period: Date; value: bigint }>>`
        WITH periods AS (
          SELECT generate_series(date_trunc(${q.groupBy}, ${q.from}::date), date_trunc(${q.groupBy}, ${q.to}::date), ('1 ' || ${q.groupBy})::interval)::date AS period
        )
        SELECT p.period, COALESCE(SUM(r.value), 0)::int8 AS value
        FROM periods p
        LEFT JOIN reporting_rollup r
          ON r.metric = ${fact} AND r.dim = 'all' AND r.day BETWEEN ${q.from}::date AND ${q.to}::date
          AND date_trunc(${q.groupBy}, r.day)::date = p.period
        GROUP BY p.period ORDER BY p.period`;
      return rows.map((r) => ({
        period: periodLabel(r.period.toISOString().slice(0, 10), q.groupBy),
        key: 'all',
        value: Number(r.value),
      }));
    }
    const rows = await this.prisma.$queryRaw<Array<{ period: Date; key: string; value: bigint }>>`
      SELECT date_trunc(${q.groupBy}, day)::date AS period, key, SUM(value)::int8 AS value
      FROM reporting_rollup
      WHERE metric = ${fact} AND dim = ${q.by} AND day BETWEEN ${q.from}::date AND ${q.to}::date
      GROUP BY 1, 2 ORDER BY 1, 2`;
    return rows.map((r) => ({
      period: periodLabel(r.period.toISOString().slice(0, 10), q.groupBy),
      key: r.key,
      value: Number(r.value),
    }));
  }

  async summary(range: { from: string; to: string }) {
    const sums = await this.prisma.$queryRaw<Array<{ metric: string; value: bigint }>>`
      SELECT metric, SUM(value)::int8 AS value FROM reporting_rollup
      WHERE dim = 'all' AND day BETWEEN ${range.from}::date AND ${range.to}::date GROUP BY metric`;
    const [active] = await this.prisma.$queryRaw<Array<{ n: bigint }>>`
      SELECT COUNT(DISTINCT subject)::int8 AS n FROM reporting_fact WHERE day BETWEEN ${range.from}::date AND ${range.to}::date`;
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

import { Injectable } from '@nestjs/common';
import { IamApi, type AuditActor } from '@heyblue/iam';
import { toCsv } from '@heyblue/platform';
import { reportQuery, reportRange } from '../domain/report-query.js';
import { ReportsQueries } from '../infrastructure/reports.queries.js';
import { Rollups } from '../infrastructure/rollups.js';

/** Report use cases: validate parameters, read rollups, audit the access. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly queries: ReportsQueries,
    private readonly rollups: Rollups,
    private readonly iam: IamApi,
  ) {}

  async report(
    metric: string,
    params: { from?: string; to?: string; groupBy?: string; by?: string },
    actor: AuditActor,
  ) {
    const q = reportQuery(metric, params);
    const rows = await this.queries.report(q);
    await this.iam.recordAdminAction(actor, 'report_viewed', null, { ...q });
    return { metric: q.metric, from: q.from, to: q.to, groupBy: q.groupBy, by: q.by, rows };
  }

  async summary(params: { from?: string; to?: string }, actor: AuditActor) {
    const range = reportRange(params.from, params.to);
    const summary = await this.queries.summary(range);
    await this.iam.recordAdminAction(actor, 'report_summary_viewed', null, range);
    return summary;
  }

  /** Recomputes the rollups of a range on the next rollup run (after a backfill or a fix). */
  async refresh(params: { from?: string; to?: string }, actor: AuditActor) {
    const range = reportRange(params.from, params.to);
    await this.rollups.markRangeDirty(range.from, range.to);
    await this.iam.recordAdminAction(actor, 'report_rollups_refreshed', null, range);
    return { ...range, status: 'scheduled' as const };
  }

  toCsv(rows: Array<{ period: string; key: string; value: number }>): string {
    return toCsv([['period', 'key', 'value'], ...rows.map((r) => [r.period, r.key, r.value])]);
  }
}

import { Injectable } from '@nestjs/common';
import { IamApi, type AuditActor } from '@heyblue/iam';
import { ReadReplicas } from '@heyblue/platform';
import { donationValueUsd } from '../domain/points.js';
import { RewardsSettings } from '../application/ports.js';

export interface DonationReportRow {
  period: string;
  key: string;
  charity: string;
  value: number;
  amountUsd: number;
}

export type ReportGrouping = 'day' | 'week' | 'month';

const FORMAT: Record<ReportGrouping, string> = { day: 'YYYY-MM-DD', week: 'IYYY-"W"IW', month: 'YYYY-MM' };

export interface DonationReportQuery {
  from?: Date;
  to?: Date;
  groupBy: ReportGrouping;
}

/** The admin who asked and from where: every admin read leaves an audit entry. */
/** Donated points and their dollar value per charity and period (UTC), for charity payouts. */
@Injectable()
export class DonationReport {
  constructor(
    private readonly replicas: ReadReplicas,
    private readonly settings: RewardsSettings,
    private readonly iam: IamApi,
  ) {}

  /** The rows an admin asked for, audited as `report_viewed` like Reporting's metrics. */
  async viewByCharity(
    q: DonationReportQuery,
    viewer: AuditActor,
    format: 'json' | 'csv',
  ): Promise<DonationReportRow[]> {
    const rows = await this.byCharity(q);
    await this.iam.recordAdminAction(viewer, 'report_viewed', null, {
      metric: 'donations',
      by: 'charity',
      groupBy: q.groupBy,
      from: q.from?.toISOString() ?? null,
      to: q.to?.toISOString() ?? null,
      format,
    });
    return rows;
  }

  async byCharity(q: DonationReportQuery): Promise<DonationReportRow[]> {
    const from = q.from ?? new Date(0);
    const to = q.to ?? new Date('9999-12-31T00:00:00Z');
    // A report: may lag by a second, read from a replica when one is in rotation.
    const rows = await this.replicas.read(
      (db) => db.$queryRaw<Array<{ period: string; key: string; charity: string; value: bigint }>>`
      SELECT to_char(date_trunc(${q.groupBy}, d.created_at AT TIME ZONE 'UTC'), ${FORMAT[q.groupBy]}) AS period,
             c.id::text AS key, c.name AS charity, sum(d.points)::bigint AS value
      FROM rewards_donation d JOIN rewards_charity c ON c.id = d.charity_id
      WHERE d.created_at >= ${from} AND d.created_at < ${to}
      GROUP BY 1, 2, 3 ORDER BY 1, 3, 2`,
    );
    return rows.map((r) => ({
      period: r.period,
      key: r.key,
      charity: r.charity,
      value: Number(r.value),
      amountUsd: donationValueUsd(Number(r.value), this.settings.usdPerPoint),
    }));
  }
}

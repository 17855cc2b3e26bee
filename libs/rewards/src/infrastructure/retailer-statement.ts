import { Injectable } from '@nestjs/common';
import type { AuditAuthor } from '@heyblue/iam';
import { ReadReplicas } from '@heyblue/platform';
import { AuditLog } from '../application/ports.js';

/** One retailer's line of the affiliate statement for a period. */
export interface RetailerStatementRow {
  retailerId: string;
  externalId: string;
  name: string;
  /** Vouchers issued in the period (citizens redeemed points for the retailer's offers). */
  issued: number;
  /** Vouchers the retailer marked used in the period. */
  used: number;
  /** Vouchers that expired unused in the period (up to now). */
  expired: number;
  /** Points spent on the vouchers issued in the period. */
  pointsSpent: number;
  /** Points of the vouchers used in the period (the basis of a commission on use). */
  pointsUsed: number;
}

/**
 * The retailer statement behind the affiliate model: per retailer and period `[from, to)`, the
 * vouchers issued, used and expired, and the points spent. Retailers with no voucher activity
 * in the period are left out. Audited as `report_viewed` (metric `retailers`).
 */
@Injectable()
export class RetailerStatement {
  constructor(
    private readonly replicas: ReadReplicas,
    private readonly audit: AuditLog,
  ) {}

  async view(
    q: { from?: Date; to?: Date },
    actor: AuditAuthor,
    format: 'json' | 'csv',
    now = new Date(),
  ): Promise<RetailerStatementRow[]> {
    const from = q.from ?? new Date(0);
    const to = q.to ?? new Date('9999-12-31T00:00:00Z');
    const expiredBy = to < now ? to : now;
    // A report: may lag by a second, read from a replica when one is in rotation.
    const rows = await this.replicas.read(
      (db) => db.$queryRaw<
        Array<{
          retailer_id: string;
          external_id: string;
          name: string;
          issued: number;
          used: number;
          expired: number;
          points_spent: bigint;
          points_used: bigint;
        }>
      >`
      SELECT r.id::text AS retailer_id, r.external_id, r.name,
        count(*) FILTER (WHERE v.issued_at >= ${from} AND v.issued_at < ${to})::int AS issued,
        count(*) FILTER (WHERE v.used_at >= ${from} AND v.used_at < ${to})::int AS used,
        count(*) FILTER (WHERE v.used_at IS NULL AND v.expires_at >= ${from} AND v.expires_at < ${expiredBy})::int AS expired,
        coalesce(sum(v.points_cost) FILTER (WHERE v.issued_at >= ${from} AND v.issued_at < ${to}), 0)::bigint AS points_spent,
        coalesce(sum(v.points_cost) FILTER (WHERE v.used_at >= ${from} AND v.used_at < ${to}), 0)::bigint AS points_used
      FROM rewards_voucher v JOIN rewards_retailer r ON r.id = v.retailer_id
      WHERE (v.issued_at >= ${from} AND v.issued_at < ${to})
         OR (v.used_at >= ${from} AND v.used_at < ${to})
         OR (v.used_at IS NULL AND v.expires_at >= ${from} AND v.expires_at < ${expiredBy})
      GROUP BY r.id, r.external_id, r.name
      ORDER BY r.name, r.id`,
    );
    await this.audit.record(null, {
      actor,
      action: 'report_viewed',
      targetId: null,
      detail: {
        metric: 'retailers',
        from: q.from?.toISOString() ?? null,
        to: q.to?.toISOString() ?? null,
        format,
        rows: rows.length,
      },
    });
    return rows.map((r) => ({
      retailerId: r.retailer_id,
      externalId: r.external_id,
      name: r.name,
      issued: r.issued,
      used: r.used,
      expired: r.expired,
      pointsSpent: Number(r.points_spent),
      pointsUsed: Number(r.points_used),
    }));
  }
}

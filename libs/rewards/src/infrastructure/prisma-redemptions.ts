import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { LRUCache } from 'lru-cache';
import { AuditTrail } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import {
  Redemptions,
  type PostedEntry,
  type RedeemableOffer,
  type RedemptionAtOnce,
} from '../application/ports.js';
import { PointsRedeemed } from '../events/points-redeemed.integration-event.js';

/** The SQLSTATE `rewards_redeem_at_once` raises when the case is not plain (nothing was written). */
export const NOT_PLAIN = 'HBR01';

/** Only active offers are peeked (and cached); `rewards_redeem_at_once` re-checks `active` itself. */
const PEEK_SQL = `
  SELECT id::text AS id, retailer_id::text AS "retailerId", title, discount, points_cost AS "pointsCost",
         valid_from AS "validFrom", valid_until AS "validUntil", max_redemptions AS "maxRedemptions",
         redeemed_count AS "redeemedCount", true AS active
  FROM rewards_offer o WHERE id = $1::uuid
    AND o.active AND EXISTS (SELECT 1 FROM rewards_retailer r WHERE r.id = o.retailer_id AND r.active)`;

const REDEEM_CALL = `rewards_redeem_at_once($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb,
                              $20, $21, $22, $23, $24::jsonb)`;

const REDEEM_SQL = `
  SELECT entry_id::text AS entry_id, entry_seq, balance_after, created_at
  FROM ${REDEEM_CALL}`;

/**
 * With its audit entry in the same statement (so in the same transaction): the INSERT reads
 * the redemption's row, so it runs after it, and nothing is written when the function refuses.
 */
const redeemAuditedSql = (auditInsert: string) => `
  WITH r AS (SELECT entry_id::text AS entry_id, entry_seq, balance_after, created_at FROM ${REDEEM_CALL}),
       a AS (${auditInsert})
  SELECT entry_id, entry_seq, balance_after, created_at FROM r`;

interface PostedRow {
  entry_id: string;
  entry_seq: string;
  balance_after: number;
  created_at: Date;
}

/**
 * The plain redemption as one statement: the database function `rewards_redeem_at_once`
 * (migration 20261124090000_rewards_redeem_at_once), called straight on the pool.
 */
@Injectable()
export class PrismaRedemptions extends Redemptions {
  /**
   * Offers as read, for a few seconds: the write checks the terms, the stock and that the offer
   * and its retailer are still active itself, so a stale entry only sends a redemption the
   * general way, which reads the offer afresh. An unknown id is not remembered (a new offer is
   * redeemable at once).
   */
  private readonly offers = new LRUCache<string, Readonly<RedeemableOffer>>({ max: 10_000, ttl: 5_000 });

  constructor(
    private readonly prisma: PrismaService,
    private readonly trail: AuditTrail,
  ) {
    super();
  }

  async peekOffer(offerId: string): Promise<RedeemableOffer | null> {
    if (!isUUID(offerId)) return null;
    const cached = this.offers.get(offerId);
    if (cached) return cached;
    const [offer] = await this.prisma.rows<RedeemableOffer & Record<string, unknown>>(PEEK_SQL, [offerId]);
    if (!offer) return null;
    this.offers.set(offerId, Object.freeze(offer));
    return offer;
  }

  async redeemAtOnce(r: RedemptionAtOnce): Promise<PostedEntry | null> {
    const v = r.voucher;
    try {
      const audit = r.audit ? this.trail.insertStatement(r.audit, 25, 'FROM r') : null;
      const [row] = await this.prisma.rows<PostedRow & Record<string, unknown>>(
        audit ? redeemAuditedSql(audit.sql) : REDEEM_SQL,
        [
          v.accountId,
          r.offer.id,
          r.offer.retailerId,
          r.offer.pointsCost,
          r.offer.validFrom,
          r.offer.validUntil,
          r.offer.maxRedemptions !== null,
          v.id,
          v.code,
          v.issuedAt,
          v.expiresAt,
          v.kid,
          v.signature,
          r.debitKey,
          r.claim?.key ?? null,
          r.claim?.operation ?? null,
          r.claim?.fingerprint ?? null,
          r.claim?.answer.status ?? null,
          r.claim ? JSON.stringify(r.claim.answer.body) : null,
          r.event.id,
          PointsRedeemed.type,
          PointsRedeemed.version,
          r.event.occurredAt,
          JSON.stringify(r.event.payload),
          ...(audit?.values ?? []),
        ],
      );
      if (!row) throw new Error('rewards_redeem_at_once answered no row');
      if (r.audit) this.trail.written(r.audit.action);
      return {
        id: row.entry_id,
        seq: BigInt(row.entry_seq),
        accountId: v.accountId,
        delta: -r.offer.pointsCost,
        balanceAfter: row.balance_after,
        reason: 'redemption',
        reference: v.id,
        createdAt: row.created_at,
      };
    } catch (err) {
      if ((err as { code?: string }).code === NOT_PLAIN) return null;
      throw err;
    }
  }
}

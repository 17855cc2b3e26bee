import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuditAuthor } from '@heyblue/iam';
import { OfferUnavailable, offerNotFound } from '../../domain/rewards.errors.js';
import { offerMustBeAvailable, unavailability } from '../../domain/rules/offer-must-be-available.rule.js';
import { newVoucherCode, voucherExpiry } from '../../domain/voucher.js';
import { PointsRedeemed } from '../../events/points-redeemed.integration-event.js';
import { IdempotentWrite } from '../idempotency/idempotent-write.js';
import {
  AuditLog,
  Clock,
  EventPublisher,
  Ledger,
  OfferStock,
  Redemptions,
  RewardsSettings,
  VoucherSignature,
  VoucherStore,
  type NewVoucher,
  type RedeemableOffer,
} from '../ports.js';

export interface RedeemOfferCommand {
  accountId: string;
  offerId: string;
  idempotencyKey?: string;
  /** Who asked and from where, for the audit entry that commits with the redemption. */
  actor?: AuditAuthor;
}

export interface VoucherView {
  code: string;
  offerId: string;
  pointsCost: number;
  issuedAt: string;
  expiresAt: string;
  kid: string;
  signature: string;
}

export interface RedeemOfferResult {
  voucher: VoucherView;
}

/**
 * A citizen redeems an offer: availability check, ledger debit, stock taken, signed
 * voucher and PointsRedeemed — all in one transaction, so either everything happens or nothing.
 *
 * Two ways to the same answer. The plain case (an available offer, enough points, a new key)
 * is decided on the offer as read now and written at once (`Redemptions.redeemAtOnce`: one
 * round trip, no transaction held open between statements). When that write finds anything
 * else — a key seen before, the offer changed, sold out, balance short — it writes nothing and
 * the general path below runs in a transaction and gives the precise answer (replay, 422, 404).
 */
@Injectable()
export class RedeemOfferHandler {
  constructor(
    private readonly write: IdempotentWrite,
    private readonly ledger: Ledger,
    private readonly offers: OfferStock,
    private readonly vouchers: VoucherStore,
    private readonly signer: VoucherSignature,
    private readonly events: EventPublisher,
    private readonly settings: RewardsSettings,
    private readonly clock: Clock,
    private readonly redemptions: Redemptions,
    private readonly audit: AuditLog,
  ) {}

  async execute(cmd: RedeemOfferCommand): Promise<RedeemOfferResult> {
    return (await this.atOnce(cmd)) ?? this.inTransaction(cmd);
  }

  private async atOnce(cmd: RedeemOfferCommand): Promise<RedeemOfferResult | null> {
    const offer = await this.redemptions.peekOffer(cmd.offerId);
    if (!offer) return null;
    const now = this.clock.now();
    if (unavailability(offer, now)) return null;
    const voucherId = randomUUID();
    const voucher = this.issue(offer, now);
    const result: RedeemOfferResult = { voucher };
    const posted = await this.redemptions.redeemAtOnce({
      offer,
      voucher: this.stored(voucher, voucherId, cmd.accountId, offer, now),
      debitKey: debitKey(voucherId),
      claim: cmd.idempotencyKey
        ? { ...this.claimOf(cmd), key: cmd.idempotencyKey, answer: { status: 201, body: result } }
        : undefined,
      event: {
        id: randomUUID(),
        occurredAt: now.toISOString(),
        payload: this.redeemed(cmd.accountId, offer, voucherId, now),
      },
      audit: cmd.actor ? this.audited(cmd.actor, offer, voucherId) : undefined,
    });
    if (!posted) return null;
    this.events.flush();
    return result;
  }

  private inTransaction(cmd: RedeemOfferCommand): Promise<RedeemOfferResult> {
    const request = { ...this.claimOf(cmd), accountId: cmd.accountId, key: cmd.idempotencyKey };
    return this.write.run(request, 201, async (tx) => {
      const offer = await this.offers.find(tx, cmd.offerId);
      if (!offer) throw offerNotFound();
      const now = this.clock.now();
      offerMustBeAvailable(offer, now);

      const voucherId = randomUUID();
      const { entry } = await this.ledger.post(tx, {
        accountId: cmd.accountId,
        delta: -offer.pointsCost,
        reason: 'redemption',
        reference: voucherId,
        idempotencyKey: debitKey(voucherId),
      });
      if (offer.maxRedemptions !== null && !(await this.offers.takeOne(tx, offer.id)))
        throw new OfferUnavailable('sold_out');

      const voucher = this.issue(offer, now);
      await this.vouchers.create(tx, {
        ...this.stored(voucher, voucherId, cmd.accountId, offer, now),
        ledgerEntryId: entry.id,
      });
      await this.events.publish(
        tx,
        new PointsRedeemed({
          ...this.redeemed(cmd.accountId, offer, voucherId, now),
          balance: entry.balanceAfter,
          ledgerSeq: entry.seq.toString(),
          entryId: entry.id,
        }),
      );
      if (cmd.actor) await this.audit.record(tx, this.audited(cmd.actor, offer, voucherId));
      return { voucher };
    });
  }

  private audited(actor: AuditAuthor, offer: RedeemableOffer, voucherId: string) {
    return {
      actor,
      action: 'points_redeemed',
      targetId: voucherId,
      detail: { offerId: offer.id, retailerId: offer.retailerId, points: offer.pointsCost },
    };
  }

  private claimOf(cmd: RedeemOfferCommand) {
    return { operation: 'redeem-offer', fingerprint: cmd.offerId };
  }

  /** A new random code, its expiry and the signature over both (the client's answer). */
  private issue(offer: RedeemableOffer, now: Date): VoucherView {
    const code = newVoucherCode();
    const expiresAt = voucherExpiry(now, this.settings.voucherValidityDays, offer.validUntil).toISOString();
    return {
      code,
      offerId: offer.id,
      pointsCost: offer.pointsCost,
      issuedAt: now.toISOString(),
      expiresAt,
      ...this.signer.sign(code, offer.id, expiresAt),
    };
  }

  private stored(
    v: VoucherView,
    id: string,
    accountId: string,
    offer: RedeemableOffer,
    now: Date,
  ): Omit<NewVoucher, 'ledgerEntryId'> {
    return {
      id,
      code: v.code,
      accountId,
      offerId: offer.id,
      retailerId: offer.retailerId,
      pointsCost: offer.pointsCost,
      issuedAt: now,
      expiresAt: new Date(v.expiresAt),
      kid: v.kid,
      signature: v.signature,
    };
  }

  /** PointsRedeemed's payload but the ledger entry's figures. */
  private redeemed(accountId: string, offer: RedeemableOffer, voucherId: string, now: Date) {
    return {
      accountId,
      points: offer.pointsCost,
      offerId: offer.id,
      retailerId: offer.retailerId,
      voucherId,
      redeemedAt: now.toISOString(),
    };
  }
}

const debitKey = (voucherId: string) => `redemption:${voucherId}`;

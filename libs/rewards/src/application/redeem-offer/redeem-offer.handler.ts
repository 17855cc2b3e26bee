import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OfferUnavailable, offerNotFound } from '../../domain/rewards.errors.js';
import { offerMustBeAvailable } from '../../domain/rules/offer-must-be-available.rule.js';
import { newVoucherCode, voucherExpiry } from '../../domain/voucher.js';
import { PointsRedeemed } from '../../events/points-redeemed.integration-event.js';
import { IdempotentWrite } from '../idempotency/idempotent-write.js';
import {
  Clock,
  EventPublisher,
  Ledger,
  OfferStock,
  RewardsSettings,
  VoucherSignature,
  VoucherStore,
} from '../ports.js';

export interface RedeemOfferCommand {
  accountId: string;
  offerId: string;
  idempotencyKey?: string;
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
  ) {}

  async execute(cmd: RedeemOfferCommand): Promise<RedeemOfferResult> {
    const request = {
      accountId: cmd.accountId,
      key: cmd.idempotencyKey,
      operation: 'redeem-offer',
      fingerprint: cmd.offerId,
    };
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
        idempotencyKey: `redemption:${voucherId}`,
      });
      if (offer.maxRedemptions !== null && !(await this.offers.takeOne(tx, offer.id)))
        throw new OfferUnavailable('sold_out');

      const code = newVoucherCode();
      const expiresAt = voucherExpiry(now, this.settings.voucherValidityDays, offer.validUntil);
      const voucher: VoucherView = {
        code,
        offerId: offer.id,
        pointsCost: offer.pointsCost,
        issuedAt: now.toISOString(),
        expiresAt: expiresAt.toISOString(),
        kid: this.signer.kid,
        signature: this.signer.sign(code, offer.id, expiresAt.toISOString()),
      };
      await this.vouchers.create(tx, {
        id: voucherId,
        code,
        accountId: cmd.accountId,
        offerId: offer.id,
        retailerId: offer.retailerId,
        pointsCost: offer.pointsCost,
        issuedAt: now,
        expiresAt,
        kid: voucher.kid,
        signature: voucher.signature,
        ledgerEntryId: entry.id,
      });
      await this.events.publish(
        tx,
        new PointsRedeemed({
          accountId: cmd.accountId,
          points: offer.pointsCost,
          offerId: offer.id,
          retailerId: offer.retailerId,
          voucherId,
          balance: entry.balanceAfter,
          ledgerSeq: entry.seq.toString(),
          entryId: entry.id,
          redeemedAt: now.toISOString(),
        }),
      );
      return { voucher };
    });
  }
}

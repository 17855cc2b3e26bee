import { Injectable } from '@nestjs/common';
import type { AuditAuthor } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { AuditLog } from '../application/ports.js';
import { VoucherUsed, voucherNotFound } from '../domain/rewards.errors.js';
import { voucherMustBeUnused } from '../domain/rules/voucher-must-be-unused.rule.js';
import { hashRetailerKey } from './retailer-keys.js';
import { normaliseVoucherCode, voucherStatus, type VoucherStatus } from '../domain/voucher.js';

export interface VoucherCheck {
  valid: boolean;
  status: VoucherStatus;
  code: string;
  expiresAt: string;
  usedAt: string | null;
  offer: { id: string; title: string; discount: string; pointsCost: number };
}

/**
 * Retailer-facing voucher operations. A retailer only ever sees its own retailer's
 * vouchers: any other code answers 404, exactly like an unknown one.
 */
@Injectable()
export class RetailerVouchers {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The retailer and key a key belongs to, or null for unknown/revoked keys. Read on every call
   * (no cache), so a revoked key answers 401 at once on every instance.
   */
  async retailerForKey(key: string): Promise<{ retailerId: string; keyId: string } | null> {
    if (!key || key.length > 200) return null;
    const row = await this.prisma.rewardsRetailerKey.findUnique({
      where: { keyHash: hashRetailerKey(key) },
      select: { id: true, retailerId: true, revokedAt: true },
    });
    return row && !row.revokedAt ? { retailerId: row.retailerId, keyId: row.id } : null;
  }

  /** A retailer's check of a voucher; audited (the key, the voucher, the answer), never the code. */
  async verify(
    retailerId: string,
    rawCode: string,
    actor?: AuditAuthor,
    now = new Date(),
  ): Promise<VoucherCheck> {
    const v = await this.find(retailerId, rawCode);
    const status = voucherStatus(v, now);
    if (actor)
      await this.audit.record(null, {
        actor,
        action: 'voucher_verified',
        targetId: v.id,
        detail: { retailerId, status },
      });
    return this.view(v, status);
  }

  /** Marks a voucher used exactly once: of two tills racing past the rule, the conditional update lets one win. */
  async use(
    retailerId: string,
    rawCode: string,
    actor?: AuditAuthor,
    now = new Date(),
  ): Promise<VoucherCheck> {
    const v = await this.find(retailerId, rawCode);
    voucherMustBeUnused(voucherStatus(v, now));
    await this.prisma.$transaction(async (tx) => {
      const n = await tx.rewardsVoucher.updateMany({
        where: { id: v.id, usedAt: null },
        data: { usedAt: now },
      });
      if (n.count === 0) throw new VoucherUsed();
      if (actor)
        await this.audit.record(tx, {
          actor,
          action: 'voucher_used',
          targetId: v.id,
          detail: { retailerId, offerId: v.offerId, points: v.pointsCost },
        });
    });
    return this.view({ ...v, usedAt: now }, 'used');
  }

  private async find(retailerId: string, rawCode: string) {
    const code = normaliseVoucherCode(rawCode);
    if (!/^[0-9A-Z]{1,64}$/.test(code)) throw voucherNotFound();
    const v = await this.prisma.rewardsVoucher.findUnique({ where: { code } });
    if (!v || v.retailerId !== retailerId) throw voucherNotFound();
    const offer = await this.prisma.rewardsOffer.findUnique({
      where: { id: v.offerId },
      select: { id: true, title: true, discount: true, pointsCost: true },
    });
    return { ...v, offer: offer ?? { id: v.offerId, title: '', discount: '', pointsCost: v.pointsCost } };
  }

  private view(v: Awaited<ReturnType<RetailerVouchers['find']>>, status: VoucherStatus): VoucherCheck {
    return {
      valid: status === 'issued',
      status,
      code: v.code,
      expiresAt: v.expiresAt.toISOString(),
      usedAt: v.usedAt?.toISOString() ?? null,
      offer: v.offer,
    };
  }
}

import { VoucherExpired, VoucherUsed } from '../rewards.errors.js';
import type { VoucherStatus } from '../voucher.js';

/** A retailer can use a voucher once, and only before it expires (409 VOUCHER_USED, 422 VOUCHER_EXPIRED). */
export function voucherMustBeUnused(status: VoucherStatus): void {
  if (status === 'used') throw new VoucherUsed();
  if (status === 'expired') throw new VoucherExpired();
}

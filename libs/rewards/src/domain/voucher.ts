import { randomBytes } from 'node:crypto';

/** Crockford base32: no I, L, O, U, so codes read back unambiguously at a till. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 20 characters × 5 bits = 100 random bits: unguessable, short enough to type. */
export function newVoucherCode(): string {
  const bytes = randomBytes(20);
  let code = '';
  for (const b of bytes) code += ALPHABET[b & 31];
  return code;
}

/** The exact UTF-8 string a voucher signature covers (CONTRACT.md, Rewards). */
export function voucherSigningInput(code: string, offerId: string, expiresAt: string): string {
  return `${code}|${offerId}|${expiresAt}`;
}

export type VoucherStatus = 'issued' | 'used' | 'expired';

export function voucherStatus(v: { usedAt: Date | null; expiresAt: Date }, now: Date): VoucherStatus {
  if (v.usedAt) return 'used';
  if (now >= v.expiresAt) return 'expired';
  return 'issued';
}

/** A voucher lasts the configured number of days, but never past the end of its offer. */
export function voucherExpiry(issuedAt: Date, validityDays: number, offerValidUntil: Date): Date {
  const byValidity = new Date(issuedAt.getTime() + validityDays * 86_400_000);
  return byValidity < offerValidUntil ? byValidity : offerValidUntil;
}

/** Codes are compared case-insensitively and without separators a cashier may type. */
export function normaliseVoucherCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

import {
  newVoucherCode,
  normaliseVoucherCode,
  voucherExpiry,
  voucherSigningInput,
  voucherStatus,
} from './voucher.js';
import { offerMustBeAvailable, remainingStock } from './rules/offer-must-be-available.rule.js';

const now = new Date('2026-11-23T12:00:00.000Z');

describe('vouchers', () => {
  it('codes are 20 Crockford base32 characters and do not repeat', () => {
    const codes = new Set(Array.from({ length: 1_000 }, () => newVoucherCode()));
    expect(codes.size).toBe(1_000);
    for (const c of codes) expect(c).toMatch(/^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{20}$/);
  });

  it('signs the exact string code|offerId|expiresAt', () => {
    expect(voucherSigningInput('ABC', 'offer-1', '2026-12-01T00:00:00.000Z')).toBe(
      'ABC|offer-1|2026-12-01T00:00:00.000Z',
    );
  });

  it('expires after the validity period when the offer runs longer', () => {
    expect(voucherExpiry(now, 30, new Date('2027-06-01T00:00:00Z')).toISOString()).toBe(
      '2026-12-23T12:00:00.000Z',
    );
  });

  it('expires with the offer when the offer ends first', () => {
    expect(voucherExpiry(now, 30, new Date('2026-12-01T00:00:00Z')).toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
  });

  it('is issued before expiry, expired at expiry, used once used', () => {
    const expiresAt = new Date(now.getTime() + 1000);
    expect(voucherStatus({ usedAt: null, expiresAt }, now)).toBe('issued');
    expect(voucherStatus({ usedAt: null, expiresAt }, expiresAt)).toBe('expired');
    expect(voucherStatus({ usedAt: now, expiresAt }, expiresAt)).toBe('used');
  });

  it('normalises typed codes (case, spaces, dashes)', () => {
    expect(normaliseVoucherCode(' abcd-efgh ')).toBe('ABCDEFGH');
  });
});

describe('offer availability', () => {
  const offer = {
    active: true,
    validFrom: new Date('2026-11-01'),
    validUntil: new Date('2026-12-01'),
    maxRedemptions: null,
    redeemedCount: 0,
  };

  it('accepts an offer inside its window', () => {
    expect(() => offerMustBeAvailable(offer, now)).not.toThrow();
  });

  it('refuses an offer that has ended with OFFER_UNAVAILABLE', () => {
    expect(() => offerMustBeAvailable({ ...offer, validUntil: now }, now)).toThrow(
      expect.objectContaining({ code: 'OFFER_UNAVAILABLE' }) as Error,
    );
  });

  it('refuses an offer that has not started', () => {
    expect(() => offerMustBeAvailable({ ...offer, validFrom: new Date('2026-11-24') }, now)).toThrow(
      expect.objectContaining({ code: 'OFFER_UNAVAILABLE' }) as Error,
    );
  });

  it('refuses a sold-out offer', () => {
    expect(() => offerMustBeAvailable({ ...offer, maxRedemptions: 3, redeemedCount: 3 }, now)).toThrow(
      expect.objectContaining({ code: 'OFFER_UNAVAILABLE' }) as Error,
    );
  });

  it('refuses a retired offer (ETL active=false) with OFFER_UNAVAILABLE, reason retired', () => {
    expect(() => offerMustBeAvailable({ ...offer, active: false }, now)).toThrow(
      expect.objectContaining({ code: 'OFFER_UNAVAILABLE', extra: { reason: 'retired' } }) as Error,
    );
  });

  it('reports remaining stock only for limited offers', () => {
    expect(remainingStock({ maxRedemptions: 5, redeemedCount: 2 })).toBe(3);
    expect(remainingStock({ maxRedemptions: null, redeemedCount: 2 })).toBeUndefined();
  });
});

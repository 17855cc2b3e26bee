import { InvalidCatalogueEntry } from '../rewards.errors.js';

/** Small named checks for catalogue rows (ETL reports the message per rejected row). */

const ZIP = /^\d{5}$/;

export function externalIdMustBePresent(externalId: string): void {
  if (typeof externalId !== 'string' || externalId.trim().length === 0 || externalId.length > 200) {
    throw new InvalidCatalogueEntry('externalId', 'must be 1-200 characters');
  }
}

export function textMustBePresent(field: string, value: string, max = 500): void {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max)
    throw new InvalidCatalogueEntry(field, `must be 1-${max} characters`);
}

export function zipsMustBeFiveDigits(field: string, zips: string[]): void {
  const bad = zips.find((z) => !ZIP.test(z));
  if (bad !== undefined) throw new InvalidCatalogueEntry(field, `"${bad}" is not a 5-digit ZIP`);
}

export function windowMustBeOrdered(validFrom: Date, validUntil: Date): void {
  if (Number.isNaN(validFrom.getTime())) throw new InvalidCatalogueEntry('validFrom', 'must be a date');
  if (Number.isNaN(validUntil.getTime())) throw new InvalidCatalogueEntry('validUntil', 'must be a date');
  if (validUntil <= validFrom) throw new InvalidCatalogueEntry('validUntil', 'must be after validFrom');
}

export function pointsCostMustBePositive(pointsCost: number): void {
  if (!Number.isSafeInteger(pointsCost) || pointsCost <= 0)
    throw new InvalidCatalogueEntry('pointsCost', 'must be a positive whole number');
}

export function maxRedemptionsMustCoverRedeemed(
  maxRedemptions: number | null | undefined,
  redeemed: number,
): void {
  if (maxRedemptions === null || maxRedemptions === undefined) return;
  if (!Number.isSafeInteger(maxRedemptions) || maxRedemptions <= 0)
    throw new InvalidCatalogueEntry('maxRedemptions', 'must be a positive whole number');
  if (maxRedemptions < redeemed)
    throw new InvalidCatalogueEntry('maxRedemptions', `cannot be below the ${redeemed} already redeemed`);
}

export function multiplierMustBeSensible(multiplier: number): void {
  // A cap keeps a typo (100 instead of 1.00) from minting points at scale.
  if (!Number.isFinite(multiplier) || multiplier <= 0 || multiplier > 10)
    throw new InvalidCatalogueEntry('multiplier', 'must be > 0 and ≤ 10');
}

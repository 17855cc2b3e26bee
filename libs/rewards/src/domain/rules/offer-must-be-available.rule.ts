import { OfferUnavailable } from '../rewards.errors.js';

export interface OfferAvailability {
  /** False once ETL retired the offer or its retailer (`active=false`). */
  active: boolean;
  validFrom: Date;
  validUntil: Date;
  maxRedemptions: number | null;
  redeemedCount: number;
}

export type Unavailability = 'retired' | 'not_started' | 'ended' | 'sold_out';

/** Why an offer cannot be redeemed at `now`, or null when it can. */
export function unavailability(offer: OfferAvailability, now: Date): Unavailability | null {
  if (!offer.active) return 'retired';
  if (now < offer.validFrom) return 'not_started';
  if (now >= offer.validUntil) return 'ended';
  if (offer.maxRedemptions !== null && offer.redeemedCount >= offer.maxRedemptions) return 'sold_out';
  return null;
}

/** An offer can be redeemed only while active, inside its validity window and while stock remains. */
export function offerMustBeAvailable(offer: OfferAvailability, now: Date): void {
  const reason = unavailability(offer, now);
  if (reason) throw new OfferUnavailable(reason);
}

/** What is left of a limited offer (undefined when unlimited). */
export function remainingStock(
  offer: Pick<OfferAvailability, 'maxRedemptions' | 'redeemedCount'>,
): number | undefined {
  return offer.maxRedemptions === null ? undefined : Math.max(0, offer.maxRedemptions - offer.redeemedCount);
}

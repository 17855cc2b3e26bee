import { OfferUnavailable } from '../rewards.errors.js';

export interface OfferAvailability {
  validFrom: Date;
  validUntil: Date;
  maxRedemptions: number | null;
  redeemedCount: number;
}

/** An offer can be redeemed only inside its validity window and while stock remains. */
export function offerMustBeAvailable(offer: OfferAvailability, now: Date): void {
  if (now < offer.validFrom) throw new OfferUnavailable('not_started');
  if (now >= offer.validUntil) throw new OfferUnavailable('ended');
  if (offer.maxRedemptions !== null && offer.redeemedCount >= offer.maxRedemptions)
    throw new OfferUnavailable('sold_out');
}

/** What is left of a limited offer (undefined when unlimited). */
export function remainingStock(
  offer: Pick<OfferAvailability, 'maxRedemptions' | 'redeemedCount'>,
): number | undefined {
  return offer.maxRedemptions === null ? undefined : Math.max(0, offer.maxRedemptions - offer.redeemedCount);
}

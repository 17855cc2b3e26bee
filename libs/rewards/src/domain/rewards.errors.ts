import { Conflict, DomainError, NotFound } from '@heyblue/platform';

/** Stable problem codes of the rewards context. */
export const RewardsErrorCode = {
  InsufficientPoints: 'INSUFFICIENT_POINTS',
  OfferUnavailable: 'OFFER_UNAVAILABLE',
  OfferNotFound: 'OFFER_NOT_FOUND',
  CharityNotFound: 'CHARITY_NOT_FOUND',
  InvalidPoints: 'INVALID_POINTS',
  VoucherNotFound: 'VOUCHER_NOT_FOUND',
  VoucherUsed: 'VOUCHER_USED',
  VoucherExpired: 'VOUCHER_EXPIRED',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  RetailerNotFound: 'RETAILER_NOT_FOUND',
  MunicipalityNotFound: 'MUNICIPALITY_NOT_FOUND',
  InvalidCatalogueEntry: 'INVALID_CATALOGUE_ENTRY',
} as const;

export class InsufficientPoints extends DomainError {
  constructor(balance: number, needed: number) {
    super(
      RewardsErrorCode.InsufficientPoints,
      `This needs ${needed} points; the balance is ${balance}.`,
      422,
      { balance, needed },
    );
  }
}

export class OfferUnavailable extends DomainError {
  constructor(reason: 'retired' | 'not_started' | 'ended' | 'sold_out') {
    const text = {
      retired: 'is no longer available',
      not_started: 'has not started yet',
      ended: 'has ended',
      sold_out: 'is sold out',
    }[reason];
    super(RewardsErrorCode.OfferUnavailable, `This offer ${text}.`, 422, { reason });
  }
}

export class InvalidPoints extends DomainError {
  constructor(message = 'Points must be a positive whole number.') {
    super(RewardsErrorCode.InvalidPoints, message, 422);
  }
}

export class VoucherUsed extends Conflict {
  constructor() {
    super(RewardsErrorCode.VoucherUsed, 'This voucher was already used.');
  }
}

export class VoucherExpired extends DomainError {
  constructor() {
    super(RewardsErrorCode.VoucherExpired, 'This voucher has expired.', 422);
  }
}

export class IdempotencyKeyReused extends DomainError {
  constructor() {
    super(
      RewardsErrorCode.IdempotencyKeyReused,
      'This Idempotency-Key was already used for a different request.',
      422,
    );
  }
}

export class InvalidCatalogueEntry extends DomainError {
  constructor(field: string, message: string) {
    super(RewardsErrorCode.InvalidCatalogueEntry, `${field}: ${message}`, 422, {
      errors: [{ field, message }],
    });
  }
}

export const offerNotFound = () => new NotFound('Offer', RewardsErrorCode.OfferNotFound);
export const charityNotFound = () => new NotFound('Charity', RewardsErrorCode.CharityNotFound);
export const voucherNotFound = () => new NotFound('Voucher', RewardsErrorCode.VoucherNotFound);
export const retailerNotFound = () => new NotFound('Retailer', RewardsErrorCode.RetailerNotFound);
export const municipalityNotFound = () => new NotFound('Municipality', RewardsErrorCode.MunicipalityNotFound);

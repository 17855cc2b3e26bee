/** Catalogue rows as the ETL (and the seeder) hand them to RewardsApi. */

export interface RetailerInput {
  externalId: string;
  name: string;
  website?: string | null;
  contactEmail?: string | null;
  zip?: string | null;
}

export interface OfferInput {
  externalId: string;
  retailerExternalId: string;
  title: string;
  pointsCost: number;
  discount: string;
  validFrom: Date | string;
  validUntil: Date | string;
  maxRedemptions?: number | null;
  zips?: string[];
}

export interface MunicipalityInput {
  externalId: string;
  name: string;
  state: string;
  zips: string[];
}

export interface SchemeInput {
  externalId: string;
  municipalityExternalId: string;
  title: string;
  multiplier: number;
  validFrom: Date | string;
  validUntil: Date | string;
}

export interface CharityInput {
  externalId: string;
  name: string;
  description?: string | null;
  website?: string | null;
  ein?: string | null;
}

export interface UpsertResult {
  id: string;
  created: boolean;
}

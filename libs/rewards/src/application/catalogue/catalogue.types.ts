/** Catalogue rows as the ETL (and the seeder) hand them to RewardsApi. */

export interface RetailerInput {
  externalId: string;
  name: string;
  website?: string | null;
  contactEmail?: string | null;
  zip?: string | null;
  /** false retires it: it leaves the app's lists (default true; a row without it is active). */
  active?: boolean;
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
  /** false retires it: it leaves the app's lists (default true; a row without it is active). */
  active?: boolean;
}

export interface MunicipalityInput {
  externalId: string;
  name: string;
  state: string;
  zips: string[];
  /** false retires it: it leaves the app's lists (default true; a row without it is active). */
  active?: boolean;
}

export interface SchemeInput {
  externalId: string;
  municipalityExternalId: string;
  title: string;
  multiplier: number;
  validFrom: Date | string;
  validUntil: Date | string;
  /** false retires it: it leaves the app's lists (default true; a row without it is active). */
  active?: boolean;
}

export interface CharityInput {
  externalId: string;
  name: string;
  description?: string | null;
  website?: string | null;
  ein?: string | null;
  /** false retires it: it leaves the app's lists (default true; a row without it is active). */
  active?: boolean;
}

export interface UpsertResult {
  id: string;
  created: boolean;
}

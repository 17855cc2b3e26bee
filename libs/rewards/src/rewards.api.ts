import { Injectable } from '@nestjs/common';
import { Ledger } from './application/ports.js';
import type {
  CharityInput,
  MunicipalityInput,
  OfferInput,
  RetailerInput,
  SchemeInput,
  UpsertResult,
} from './application/catalogue/catalogue.types.js';
import {
  PrismaCatalogueRepository,
  type BulkUpsertOutcome,
} from './infrastructure/prisma-catalogue.repository.js';
import { RetailerKeys, type RetailerKeyView } from './infrastructure/retailer-keys.js';
import { VoucherSigner } from './infrastructure/voucher-signer.js';

/**
 * What other contexts (ETL, ops CLI, seeders) may ask Rewards synchronously. Catalogue
 * upserts are idempotent by external id; invalid rows throw INVALID_CATALOGUE_ENTRY (422)
 * or *_NOT_FOUND (404) for unknown parents, so the ETL can report them per row. The bulk
 * forms apply the same rules and answer one outcome per input row (in order) instead of
 * throwing: a few statements per batch rather than per row.
 */
@Injectable()
export class RewardsApi {
  constructor(
    private readonly catalogue: PrismaCatalogueRepository,
    private readonly ledger: Ledger,
    private readonly retailerKeys: RetailerKeys,
    private readonly voucherKeys: VoucherSigner,
  ) {}

  /** Makes a new voucher signing key (ops CLI); every instance signs with it one ring refresh interval later. */
  rotateVoucherKey(): Promise<{ kid: string; signsFrom: Date }> {
    return this.voucherKeys.rotateNow();
  }

  upsertRetailer(input: RetailerInput): Promise<UpsertResult> {
    return this.catalogue.upsertRetailer(input);
  }

  upsertOffer(input: OfferInput): Promise<UpsertResult> {
    return this.catalogue.upsertOffer(input);
  }

  upsertMunicipality(input: MunicipalityInput): Promise<UpsertResult> {
    return this.catalogue.upsertMunicipality(input);
  }

  upsertScheme(input: SchemeInput): Promise<UpsertResult> {
    return this.catalogue.upsertScheme(input);
  }

  upsertCharity(input: CharityInput): Promise<UpsertResult> {
    return this.catalogue.upsertCharity(input);
  }

  upsertRetailers(inputs: RetailerInput[]): Promise<BulkUpsertOutcome[]> {
    return this.catalogue.upsertRetailers(inputs);
  }

  upsertOffers(inputs: OfferInput[]): Promise<BulkUpsertOutcome[]> {
    return this.catalogue.upsertOffers(inputs);
  }

  upsertMunicipalities(inputs: MunicipalityInput[]): Promise<BulkUpsertOutcome[]> {
    return this.catalogue.upsertMunicipalities(inputs);
  }

  upsertSchemes(inputs: SchemeInput[]): Promise<BulkUpsertOutcome[]> {
    return this.catalogue.upsertSchemes(inputs);
  }

  upsertCharities(inputs: CharityInput[]): Promise<BulkUpsertOutcome[]> {
    return this.catalogue.upsertCharities(inputs);
  }

  /** The ledger balance of an account (0 when it never earned). */
  getBalance(accountId: string): Promise<number> {
    return this.ledger.balanceOf(accountId);
  }

  /** Issues a retailer API key (`X-Retailer-Key`); the plain key is returned once and stored hashed. */
  issueRetailerKey(
    retailerExternalId: string,
  ): Promise<{ id: string; retailerId: string; key: string; prefix: string }> {
    return this.retailerKeys.issue({ externalId: retailerExternalId }, null);
  }

  /** A retailer's keys (never the key or its hash), newest first. */
  listRetailerKeys(retailerExternalId: string): Promise<RetailerKeyView[]> {
    return this.retailerKeys.keysOf(retailerExternalId);
  }

  /** Revokes a retailer key at once (idempotent). */
  revokeRetailerKey(keyId: string): Promise<RetailerKeyView> {
    return this.retailerKeys.revoke(keyId, null);
  }
}

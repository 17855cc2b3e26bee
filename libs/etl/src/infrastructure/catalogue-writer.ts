import { Injectable } from '@nestjs/common';
import { DomainError } from '@heyblue/platform';
import { IamApi } from '@heyblue/iam';
import { RewardsApi } from '@heyblue/rewards';
import type { EtlKind } from '../domain/etl-kinds.js';
import type {
  CharityRow,
  EtlRow,
  MunicipalityRow,
  OfferRow,
  OfficerRow,
  RetailerRow,
  SchemeRow,
  FieldError,
} from '../domain/row-rules.js';

const SNAKE = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const PARENT_FIELD: Record<string, string> = {
  RETAILER_NOT_FOUND: 'retailer_external_id',
  MUNICIPALITY_NOT_FOUND: 'municipality_external_id',
};

/**
 * Hands validated rows to the owning context (Rewards for the catalogue, IAM for the roster);
 * both upsert idempotently by external id / e-mail. A row the owner refuses comes back as
 * field errors; anything else (database down) is thrown so the bull job retries.
 */
@Injectable()
export class CatalogueWriter {
  constructor(
    private readonly rewards: RewardsApi,
    private readonly iam: IamApi,
  ) {}

  async write(kind: EtlKind, row: EtlRow): Promise<FieldError[] | null> {
    try {
      await this.upsert(kind, row);
      return null;
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      const parentField = PARENT_FIELD[err.code];
      if (parentField)
        return [{ field: parentField, message: 'refers to an unknown parent (load it first)' }];
      const details = (err.extra as { errors?: FieldError[] }).errors;
      if (Array.isArray(details) && details.length > 0)
        return details.map((d) => ({ field: SNAKE(d.field), message: d.message }));
      return [{ field: '(row)', message: err.message }];
    }
  }

  private async upsert(kind: EtlKind, row: EtlRow): Promise<void> {
    switch (kind) {
      case 'retailers':
        await this.rewards.upsertRetailer(row as RetailerRow);
        return;
      case 'offers':
        await this.rewards.upsertOffer(row as OfferRow);
        return;
      case 'municipalities':
        await this.rewards.upsertMunicipality(row as MunicipalityRow);
        return;
      case 'schemes':
        await this.rewards.upsertScheme(row as SchemeRow);
        return;
      case 'charities':
        await this.rewards.upsertCharity(row as CharityRow);
        return;
      case 'officers':
        await this.iam.upsertOfficerRosterEntry(row as OfficerRow);
        return;
    }
  }
}

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

type Outcome = Awaited<ReturnType<RewardsApi['upsertOffers']>>[number];

/**
 * Hands validated rows to the owning context (Rewards for the catalogue, IAM for the roster);
 * both upsert idempotently by external id / e-mail. Catalogue rows go as one set-based call
 * per batch. A row the owner refuses comes back as field errors; anything else (database
 * down) is thrown so the bull job retries.
 */
@Injectable()
export class CatalogueWriter {
  constructor(
    private readonly rewards: RewardsApi,
    private readonly iam: IamApi,
  ) {}

  /** One answer per row, in order: null when loaded, else why not. */
  async writeBatch(kind: EtlKind, rows: EtlRow[]): Promise<Array<FieldError[] | null>> {
    if (rows.length === 0) return [];
    const outcomes = await this.upsertAll(kind, rows);
    return outcomes.map((o) => (o.ok ? null : fieldErrors(o.error)));
  }

  private async upsertAll(kind: EtlKind, rows: EtlRow[]): Promise<Outcome[]> {
    switch (kind) {
      case 'retailers':
        return this.rewards.upsertRetailers(rows as RetailerRow[]);
      case 'offers':
        return this.rewards.upsertOffers(rows as OfferRow[]);
      case 'municipalities':
        return this.rewards.upsertMunicipalities(rows as MunicipalityRow[]);
      case 'schemes':
        return this.rewards.upsertSchemes(rows as SchemeRow[]);
      case 'charities':
        return this.rewards.upsertCharities(rows as CharityRow[]);
      case 'officers': {
        // IAM has no bulk form yet; the roster is small next to the catalogue.
        const out: Outcome[] = [];
        for (let i = 0; i < rows.length; i += OFFICER_WRITE_CONCURRENCY) {
          const slice = rows.slice(i, i + OFFICER_WRITE_CONCURRENCY);
          out.push(
            ...(await Promise.all(
              slice.map((row) =>
                this.iam.upsertOfficerRosterEntry(row as OfficerRow).then(
                  (): Outcome => ({ ok: true, id: '', created: false }),
                  (error: unknown): Outcome => {
                    if (error instanceof DomainError) return { ok: false, error };
                    throw error;
                  },
                ),
              ),
            )),
          );
        }
        return out;
      }
    }
  }
}

const OFFICER_WRITE_CONCURRENCY = 8;

function fieldErrors(err: DomainError): FieldError[] {
  if (err.status >= 500) throw err;
  const parentField = PARENT_FIELD[err.code];
  if (parentField) return [{ field: parentField, message: 'refers to an unknown parent (load it first)' }];
  const details = (err.extra as { errors?: FieldError[] }).errors;
  if (Array.isArray(details) && details.length > 0)
    return details.map((d) => ({ field: SNAKE(d.field), message: d.message }));
  return [{ field: '(row)', message: err.message }];
}

import { Injectable } from '@nestjs/common';
import { DomainError, PrismaService, pgArray } from '@heyblue/platform';
import { municipalityNotFound, retailerNotFound } from '../domain/rewards.errors.js';
import {
  externalIdMustBePresent,
  maxRedemptionsMustCoverRedeemed,
  multiplierMustBeSensible,
  pointsCostMustBePositive,
  textMustBePresent,
  windowMustBeOrdered,
  zipsMustBeFiveDigits,
} from '../domain/rules/catalogue-entry-must-be-valid.rule.js';
import type {
  CharityInput,
  MunicipalityInput,
  OfferInput,
  RetailerInput,
  SchemeInput,
  UpsertResult,
} from '../application/catalogue/catalogue.types.js';

const trimOrNull = (v: string | null | undefined): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : null;

/** One row's answer from a bulk upsert, in input order: what the single upsert returns or throws. */
export type BulkUpsertOutcome = ({ ok: true } & UpsertResult) | { ok: false; error: DomainError };

/** A row that passed its rules so far, waiting for the set-based write. */
interface Pending<T> {
  index: number;
  externalId: string;
  data: T;
}

interface Written {
  external_id: string;
  id: string;
  created: boolean;
}

/** Runs a row's rules; a DomainError becomes that row's outcome, anything else (a bug, the database) is thrown. */
function attempt<T>(out: BulkUpsertOutcome[], index: number, rules: () => T): T | undefined {
  try {
    return rules();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    out[index] = { ok: false, error };
    return undefined;
  }
}

function checkEach<I, T>(
  inputs: I[],
  out: BulkUpsertOutcome[],
  rules: (input: I) => { externalId: string; data: T },
): Array<Pending<T>> {
  const passed: Array<Pending<T>> = [];
  inputs.forEach((input, index) => {
    const row = attempt(out, index, () => rules(input));
    if (row) passed.push({ index, ...row });
  });
  return passed;
}

/**
 * One INSERT ... ON CONFLICT cannot touch the same key twice, so a repeated external id
 * keeps its last row (what sequential upserts would leave behind) and the earlier rows
 * share its outcome.
 */
async function writeUnique<T>(
  out: BulkUpsertOutcome[],
  rows: Array<Pending<T>>,
  write: (unique: Array<Pending<T>>) => Promise<Written[]>,
): Promise<Array<Pending<T>>> {
  const last = new Map<string, Pending<T>>();
  for (const r of rows) last.set(r.externalId, r);
  const unique = [...last.values()];
  const written =
    unique.length > 0 ? new Map((await write(unique)).map((w) => [w.external_id, w])) : new Map();
  const skipped: Array<Pending<T>> = [];
  for (const r of unique) {
    const w = written.get(r.externalId);
    if (w) out[r.index] = { ok: true, id: w.id, created: w.created };
    else skipped.push(r);
  }
  for (const r of rows) {
    const kept = last.get(r.externalId)!;
    if (kept.index !== r.index) out[r.index] = out[kept.index]!;
  }
  return skipped;
}

/** The single upserts are one-row batches, so both paths apply the same rules. */
function single(outcome: BulkUpsertOutcome): UpsertResult {
  if (!outcome.ok) throw outcome.error;
  return { id: outcome.id, created: outcome.created };
}

const pick = <T, K extends keyof T>(rows: Array<Pending<T>>, key: K): Array<T[K]> =>
  rows.map((r) => r.data[key]);
const externalIds = (rows: Array<Pending<unknown>>): string[] => rows.map((r) => r.externalId);

/** Writes the catalogue, idempotent by external id (ETL and the seeder call it). */
@Injectable()
export class PrismaCatalogueRepository {
  constructor(private readonly prisma: PrismaService) {}

  async upsertRetailer(input: RetailerInput): Promise<UpsertResult> {
    return single((await this.upsertRetailers([input]))[0]!);
  }

  async upsertOffer(input: OfferInput): Promise<UpsertResult> {
    return single((await this.upsertOffers([input]))[0]!);
  }

  async upsertMunicipality(input: MunicipalityInput): Promise<UpsertResult> {
    return single((await this.upsertMunicipalities([input]))[0]!);
  }

  async upsertScheme(input: SchemeInput): Promise<UpsertResult> {
    return single((await this.upsertSchemes([input]))[0]!);
  }

  async upsertCharity(input: CharityInput): Promise<UpsertResult> {
    return single((await this.upsertCharities([input]))[0]!);
  }

  async upsertRetailers(inputs: RetailerInput[]): Promise<BulkUpsertOutcome[]> {
    const out: BulkUpsertOutcome[] = new Array(inputs.length);
    const rows = checkEach(inputs, out, (input) => {
      externalIdMustBePresent(input.externalId);
      textMustBePresent('name', input.name, 200);
      const zip = trimOrNull(input.zip);
      if (zip) zipsMustBeFiveDigits('zip', [zip]);
      return {
        externalId: input.externalId.trim(),
        data: {
          name: input.name.trim(),
          website: trimOrNull(input.website),
          email: trimOrNull(input.contactEmail),
          zip,
          active: input.active ?? true,
        },
      };
    });
    await writeUnique(
      out,
      rows,
      (u) => this.prisma.$queryRaw<Written[]>`
        INSERT INTO rewards_retailer AS r (id, external_id, name, website, contact_email, zip, active, updated_at)
        SELECT gen_random_uuid(), t.* , now()
        FROM unnest(${pgArray(externalIds(u))}::text[], ${pgArray(pick(u, 'name'))}::text[], ${pgArray(pick(u, 'website'))}::text[],
                    ${pgArray(pick(u, 'email'))}::text[], ${pgArray(pick(u, 'zip'))}::text[], ${pgArray(pick(u, 'active'))}::boolean[])
          AS t(external_id, name, website, contact_email, zip, active)
        ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, website = EXCLUDED.website,
          contact_email = EXCLUDED.contact_email, zip = EXCLUDED.zip, active = EXCLUDED.active, updated_at = now()
        RETURNING r.external_id, r.id::text AS id, (r.xmax = 0) AS created`,
    );
    return out;
  }

  async upsertOffers(inputs: OfferInput[]): Promise<BulkUpsertOutcome[]> {
    const out: BulkUpsertOutcome[] = new Array(inputs.length);
    const checked = checkEach(inputs, out, (input) => {
      externalIdMustBePresent(input.externalId);
      textMustBePresent('title', input.title, 200);
      textMustBePresent('discount', input.discount, 200);
      pointsCostMustBePositive(input.pointsCost);
      const validFrom = new Date(input.validFrom);
      const validUntil = new Date(input.validUntil);
      windowMustBeOrdered(validFrom, validUntil);
      const zips = [...new Set((input.zips ?? []).map((z) => z.trim()).filter(Boolean))];
      zipsMustBeFiveDigits('zips', zips);
      return {
        externalId: input.externalId.trim(),
        data: {
          retailer: input.retailerExternalId?.trim() ?? '',
          title: input.title.trim(),
          pointsCost: input.pointsCost,
          discount: input.discount.trim(),
          validFrom: validFrom.toISOString(),
          validUntil: validUntil.toISOString(),
          maxRedemptions: input.maxRedemptions ?? null,
          // Checked 5-digit ZIPs, so a comma cannot occur inside one.
          zips: zips.join(','),
          active: input.active ?? true,
        },
      };
    });
    // One array parameter per lookup (a Prisma `in` list binds and compiles one per value).
    const retailers = await this.prisma.$queryRaw<Array<{ id: string; external_id: string }>>`
      SELECT id::text AS id, external_id FROM rewards_retailer
      WHERE external_id = ANY(${pgArray([...new Set(checked.map((c) => c.data.retailer))])}::text[])`;
    const retailerId = new Map(retailers.map((r) => [r.external_id, r.id]));
    // Only the last row of an external id is written; earlier ones with the same id are each
    // checked here against what was redeemed (the ETL sends none: it rejects duplicates itself).
    const seen = new Set<string>();
    const repeated = new Set(externalIds(checked).filter((id) => seen.has(id) || !seen.add(id)));
    const redeemed = await this.redeemedCounts([...repeated]);
    const rows: Array<Pending<(typeof checked)[number]['data'] & { retailerId: string }>> = [];
    for (const c of checked) {
      const data = attempt(out, c.index, () => {
        const id = retailerId.get(c.data.retailer);
        if (!id) throw retailerNotFound();
        if (repeated.has(c.externalId))
          maxRedemptionsMustCoverRedeemed(c.data.maxRedemptions, redeemed.get(c.externalId) ?? 0);
        return { ...c.data, retailerId: id };
      });
      if (data) rows.push({ ...c, data });
    }
    // "max_redemptions cannot drop below what was already redeemed" is checked by the WHERE
    // under the row lock (no lookup beforehand that a concurrent redemption could outdate, and
    // no batch failing on the no-oversell CHECK): a refused row is skipped and explained below.
    const skipped = await writeUnique(
      out,
      rows,
      (u) => this.prisma.$queryRaw<Written[]>`
        INSERT INTO rewards_offer AS o
          (id, external_id, retailer_id, title, points_cost, discount, valid_from, valid_until, max_redemptions, zips, active, updated_at)
        SELECT gen_random_uuid(), t.external_id, t.retailer_id, t.title, t.points_cost, t.discount, t.valid_from,
               t.valid_until, t.max_redemptions, string_to_array(t.zips, ','), t.active, now()
        FROM unnest(${pgArray(externalIds(u))}::text[], ${pgArray(pick(u, 'retailerId'))}::uuid[], ${pgArray(pick(u, 'title'))}::text[],
                    ${pgArray(pick(u, 'pointsCost'))}::int[], ${pgArray(pick(u, 'discount'))}::text[], ${pgArray(pick(u, 'validFrom'))}::timestamptz[],
                    ${pgArray(pick(u, 'validUntil'))}::timestamptz[], ${pgArray(pick(u, 'maxRedemptions'))}::int[], ${pgArray(pick(u, 'zips'))}::text[],
                    ${pgArray(pick(u, 'active'))}::boolean[])
          AS t(external_id, retailer_id, title, points_cost, discount, valid_from, valid_until, max_redemptions, zips, active)
        ON CONFLICT (external_id) DO UPDATE SET retailer_id = EXCLUDED.retailer_id, title = EXCLUDED.title,
          points_cost = EXCLUDED.points_cost, discount = EXCLUDED.discount, valid_from = EXCLUDED.valid_from,
          valid_until = EXCLUDED.valid_until, max_redemptions = EXCLUDED.max_redemptions, zips = EXCLUDED.zips,
          active = EXCLUDED.active, updated_at = now()
        WHERE EXCLUDED.max_redemptions IS NULL OR EXCLUDED.max_redemptions >= o.redeemed_count
        RETURNING o.external_id, o.id::text AS id, (o.xmax = 0) AS created`,
    );
    if (skipped.length > 0) {
      const current = await this.redeemedCounts(externalIds(skipped));
      for (const r of skipped) {
        attempt(out, r.index, () => {
          maxRedemptionsMustCoverRedeemed(r.data.maxRedemptions, current.get(r.externalId) ?? 0);
          throw new Error(`offer ${r.externalId} was neither inserted nor updated`);
        });
      }
    }
    return out;
  }

  /** Redeemed count per existing offer external id (absent ids are new offers). */
  private async redeemedCounts(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<Array<{ external_id: string; redeemed_count: number }>>`
      SELECT external_id, redeemed_count FROM rewards_offer WHERE external_id = ANY(${pgArray(ids)}::text[])`;
    return new Map(rows.map((o) => [o.external_id, o.redeemed_count]));
  }

  async upsertMunicipalities(inputs: MunicipalityInput[]): Promise<BulkUpsertOutcome[]> {
    const out: BulkUpsertOutcome[] = new Array(inputs.length);
    const rows = checkEach(inputs, out, (input) => {
      externalIdMustBePresent(input.externalId);
      textMustBePresent('name', input.name, 200);
      textMustBePresent('state', input.state, 50);
      const zips = [...new Set(input.zips.map((z) => z.trim()).filter(Boolean))];
      zipsMustBeFiveDigits('zips', zips);
      return {
        externalId: input.externalId.trim(),
        data: {
          name: input.name.trim(),
          state: input.state.trim(),
          zips: zips.join(','),
          active: input.active ?? true,
        },
      };
    });
    await writeUnique(
      out,
      rows,
      (u) => this.prisma.$queryRaw<Written[]>`
        INSERT INTO rewards_municipality AS m (id, external_id, name, state, zips, active, updated_at)
        SELECT gen_random_uuid(), t.external_id, t.name, t.state, string_to_array(t.zips, ','), t.active, now()
        FROM unnest(${pgArray(externalIds(u))}::text[], ${pgArray(pick(u, 'name'))}::text[], ${pgArray(pick(u, 'state'))}::text[], ${pgArray(pick(u, 'zips'))}::text[],
                    ${pgArray(pick(u, 'active'))}::boolean[])
          AS t(external_id, name, state, zips, active)
        ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, state = EXCLUDED.state, zips = EXCLUDED.zips,
          active = EXCLUDED.active, updated_at = now()
        RETURNING m.external_id, m.id::text AS id, (m.xmax = 0) AS created`,
    );
    return out;
  }

  async upsertSchemes(inputs: SchemeInput[]): Promise<BulkUpsertOutcome[]> {
    const out: BulkUpsertOutcome[] = new Array(inputs.length);
    const checked = checkEach(inputs, out, (input) => {
      externalIdMustBePresent(input.externalId);
      textMustBePresent('title', input.title, 200);
      multiplierMustBeSensible(input.multiplier);
      const validFrom = new Date(input.validFrom);
      const validUntil = new Date(input.validUntil);
      windowMustBeOrdered(validFrom, validUntil);
      return {
        externalId: input.externalId.trim(),
        data: {
          municipality: input.municipalityExternalId?.trim() ?? '',
          title: input.title.trim(),
          multiplier: input.multiplier,
          validFrom: validFrom.toISOString(),
          validUntil: validUntil.toISOString(),
          active: input.active ?? true,
        },
      };
    });
    const municipalities = await this.prisma.$queryRaw<Array<{ id: string; external_id: string }>>`
      SELECT id::text AS id, external_id FROM rewards_municipality
      WHERE external_id = ANY(${pgArray([...new Set(checked.map((c) => c.data.municipality))])}::text[])`;
    const municipalityId = new Map(municipalities.map((m) => [m.external_id, m.id]));
    const rows: Array<Pending<(typeof checked)[number]['data'] & { municipalityId: string }>> = [];
    for (const c of checked) {
      const id = municipalityId.get(c.data.municipality);
      if (id) rows.push({ ...c, data: { ...c.data, municipalityId: id } });
      else out[c.index] = { ok: false, error: municipalityNotFound() };
    }
    await writeUnique(
      out,
      rows,
      (u) => this.prisma.$queryRaw<Written[]>`
        INSERT INTO rewards_scheme AS s (id, external_id, municipality_id, title, multiplier, valid_from, valid_until, active, updated_at)
        SELECT gen_random_uuid(), t.*, now()
        FROM unnest(${pgArray(externalIds(u))}::text[], ${pgArray(pick(u, 'municipalityId'))}::uuid[], ${pgArray(pick(u, 'title'))}::text[],
                    ${pgArray(pick(u, 'multiplier'))}::float8[], ${pgArray(pick(u, 'validFrom'))}::timestamptz[], ${pgArray(pick(u, 'validUntil'))}::timestamptz[],
                    ${pgArray(pick(u, 'active'))}::boolean[])
          AS t(external_id, municipality_id, title, multiplier, valid_from, valid_until, active)
        ON CONFLICT (external_id) DO UPDATE SET municipality_id = EXCLUDED.municipality_id, title = EXCLUDED.title,
          multiplier = EXCLUDED.multiplier, valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
          active = EXCLUDED.active, updated_at = now()
        RETURNING s.external_id, s.id::text AS id, (s.xmax = 0) AS created`,
    );
    return out;
  }

  async upsertCharities(inputs: CharityInput[]): Promise<BulkUpsertOutcome[]> {
    const out: BulkUpsertOutcome[] = new Array(inputs.length);
    const rows = checkEach(inputs, out, (input) => {
      externalIdMustBePresent(input.externalId);
      textMustBePresent('name', input.name, 200);
      return {
        externalId: input.externalId.trim(),
        data: {
          name: input.name.trim(),
          description: input.description?.trim() ?? '',
          website: trimOrNull(input.website),
          ein: trimOrNull(input.ein),
          active: input.active ?? true,
        },
      };
    });
    await writeUnique(
      out,
      rows,
      (u) => this.prisma.$queryRaw<Written[]>`
        INSERT INTO rewards_charity AS c (id, external_id, name, description, website, ein, active, updated_at)
        SELECT gen_random_uuid(), t.*, now()
        FROM unnest(${pgArray(externalIds(u))}::text[], ${pgArray(pick(u, 'name'))}::text[], ${pgArray(pick(u, 'description'))}::text[],
                    ${pgArray(pick(u, 'website'))}::text[], ${pgArray(pick(u, 'ein'))}::text[], ${pgArray(pick(u, 'active'))}::boolean[])
          AS t(external_id, name, description, website, ein, active)
        ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
          website = EXCLUDED.website, ein = EXCLUDED.ein, active = EXCLUDED.active, updated_at = now()
        RETURNING c.external_id, c.id::text AS id, (c.xmax = 0) AS created`,
    );
    return out;
  }
}

import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import {
  decodeCursor,
  pgArray,
  PrismaService,
  ReadReplicas,
  tickBatcher,
  toPage,
  ValidationFailed,
  type Page,
} from '@heyblue/platform';
import { remainingStock } from '../domain/rules/offer-must-be-available.rule.js';

type KeyCheck = (part: string | number) => boolean;
const text: KeyCheck = (v) => typeof v === 'string';
const uuid: KeyCheck = (v) => typeof v === 'string' && isUUID(v);
const seq: KeyCheck = (v) => typeof v === 'string' && /^\d{1,19}$/.test(v);
const instant: KeyCheck = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/**
 * The sort key a cursor carries, each part checked before it reaches SQL: a well-formed
 * cursor with a forged key (a non-UUID id, a non-date) is a 400 like any forged cursor,
 * not a database error.
 */
function keyAfter<T extends string[]>(cursor: string | undefined, ...checks: KeyCheck[]): T | null {
  const key = decodeCursor<T>(cursor, checks.length);
  if (key && !checks.every((ok, i) => ok(key[i]!)))
    throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
  return key;
}

export interface OfferView {
  id: string;
  retailer: { id: string; name: string; website: string | null };
  title: string;
  pointsCost: number;
  discount: string;
  validFrom: string;
  validUntil: string;
  zips: string[];
  remaining?: number;
}

export interface SchemeView {
  id: string;
  title: string;
  multiplier: number;
  validFrom: string;
  validUntil: string;
  municipality: { id: string; name: string; state: string };
}

export interface CharityView {
  id: string;
  name: string;
  description: string;
  url: string | null;
}

export interface LedgerEntryView {
  id: string;
  delta: number;
  balance: number;
  reason: string;
  reference: string;
  createdAt: string;
}

export interface MyVoucherView {
  code: string;
  offerId: string;
  offerTitle: string;
  pointsCost: number;
  issuedAt: string;
  expiresAt: string;
  usedAt: string | null;
  kid: string;
  signature: string;
}

interface OfferRow {
  id: string;
  title: string;
  pointsCost: number;
  discount: string;
  validFrom: Date;
  validUntil: Date;
  zips: string[];
  maxRedemptions: number | null;
  redeemedCount: number;
  retailerId: string;
  retailerName: string;
  retailerWebsite: string | null;
}

interface OfferPageQuery {
  zip: string | null;
  afterTitle: string | null;
  afterId: string | null;
  take: number;
}

// One page of offers per query row (the LATERAL subquery is the single-page statement), all
// in one round trip; `q` says which query a row answers.
const OFFER_PAGES = `
  SELECT q.i::int AS q, o.*
  FROM unnest($2::text[], $3::text[], $4::uuid[], $5::int[]) WITH ORDINALITY AS q(zip, after_title, after_id, take, i)
  CROSS JOIN LATERAL (
    SELECT o.id, o.title, o.points_cost AS "pointsCost", o.discount, o.valid_from AS "validFrom",
           o.valid_until AS "validUntil", o.zips, o.max_redemptions AS "maxRedemptions",
           o.redeemed_count AS "redeemedCount", r.id AS "retailerId", r.name AS "retailerName",
           r.website AS "retailerWebsite"
    FROM rewards_offer o JOIN rewards_retailer r ON r.id = o.retailer_id
    WHERE o.valid_from <= $1 AND o.valid_until > $1 AND o.active AND r.active
      AND (q.zip IS NULL OR cardinality(o.zips) = 0 OR q.zip = ANY (o.zips))
      AND (q.after_title IS NULL OR (o.title, o.id) > (q.after_title, q.after_id))
    ORDER BY o.title, o.id
    LIMIT q.take) o
  ORDER BY q.i, o.title, o.id`;

/**
 * Read side of the rewards context: its own tables, queried directly (CQRS reads skip the domain).
 * The catalogue (offers, schemes, charities) may lag by a second and is read from a replica when
 * one is in rotation; an account's own ledger and vouchers are read right after its writes and
 * stay on the primary.
 */
@Injectable()
export class RewardsQueries {
  constructor(
    private readonly prisma: PrismaService,
    private readonly replicas: ReadReplicas,
  ) {}

  // A hot read: the offer pages that concurrent requests ask for go out as one statement with
  // the retailer joined (a findMany including the retailer runs as two queries, through the
  // query compiler), straight on the pool (PrismaService.rows). Requests for the same page
  // (citizens of one ZIP) share one query row. "Now" is when the statement is sent. Stock
  // (`remaining`) may be a second old here; the redemption itself checks it on the primary.
  private readonly offerPages = tickBatcher<OfferPageQuery, OfferRow[]>(async (queries) => {
    const keys = queries.map((q) => JSON.stringify([q.zip, q.afterTitle, q.afterId, q.take]));
    const distinct = [...new Map(keys.map((k, i) => [k, queries[i]!])).entries()];
    const rows = await this.replicas.rows<OfferRow & { q: number }>(OFFER_PAGES, [
      new Date(),
      pgArray(distinct.map(([, q]) => q.zip)),
      pgArray(distinct.map(([, q]) => q.afterTitle)),
      pgArray(distinct.map(([, q]) => q.afterId)),
      pgArray(distinct.map(([, q]) => q.take)),
    ]);
    const pages = distinct.map((): OfferRow[] => []);
    for (const { q, ...row } of rows) pages[q - 1]!.push(row);
    const byKey = new Map(distinct.map(([k], i) => [k, pages[i]!]));
    return keys.map((k) => byKey.get(k)!);
  });

  /** Offers running now, covering `zip` (or everywhere), by title. */
  async offers(q: { zip?: string; limit: number; cursor?: string }): Promise<Page<OfferView>> {
    const after = keyAfter<[string, string]>(q.cursor, text, uuid);
    const rows =
      (await this.offerPages({
        zip: q.zip || null,
        afterTitle: after?.[0] ?? null,
        afterId: after?.[1] ?? null,
        take: q.limit + 1,
      })) ?? [];
    return toPage(
      rows,
      q.limit,
      (o) => ({
        id: o.id,
        retailer: { id: o.retailerId, name: o.retailerName, website: o.retailerWebsite },
        title: o.title,
        pointsCost: o.pointsCost,
        discount: o.discount,
        validFrom: o.validFrom.toISOString(),
        validUntil: o.validUntil.toISOString(),
        zips: o.zips,
        ...(o.maxRedemptions !== null ? { remaining: remainingStock(o) } : {}),
      }),
      (o) => [o.title, o.id],
    );
  }

  /** Schemes not yet ended, of municipalities covering `zip` (all when no zip). */
  async schemes(
    q: { zip?: string; limit: number; cursor?: string },
    now = new Date(),
  ): Promise<Page<SchemeView>> {
    const after = keyAfter<[string, string]>(q.cursor, text, uuid);
    const rows = await this.replicas.read((db) =>
      db.rewardsScheme.findMany({
        where: {
          validUntil: { gt: now },
          active: true,
          municipality: { active: true, ...(q.zip ? { zips: { has: q.zip } } : {}) },
          ...(after ? { OR: [{ title: { gt: after[0] } }, { title: after[0], id: { gt: after[1] } }] } : {}),
        },
        orderBy: [{ title: 'asc' }, { id: 'asc' }],
        take: q.limit + 1,
        include: { municipality: { select: { id: true, name: true, state: true } } },
      }),
    );
    return toPage(
      rows,
      q.limit,
      (s) => ({
        id: s.id,
        title: s.title,
        multiplier: s.multiplier,
        validFrom: s.validFrom.toISOString(),
        validUntil: s.validUntil.toISOString(),
        municipality: s.municipality,
      }),
      (s) => [s.title, s.id],
    );
  }

  async charities(q: { limit: number; cursor?: string }): Promise<Page<CharityView>> {
    const after = keyAfter<[string, string]>(q.cursor, text, uuid);
    const rows = await this.replicas.read((db) =>
      db.rewardsCharity.findMany({
        where: {
          active: true,
          ...(after ? { OR: [{ name: { gt: after[0] } }, { name: after[0], id: { gt: after[1] } }] } : {}),
        },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
        take: q.limit + 1,
      }),
    );
    return toPage(
      rows,
      q.limit,
      (c) => ({ id: c.id, name: c.name, description: c.description, url: c.website }),
      (c) => [c.name, c.id],
    );
  }

  /** An account's ledger entries, newest first. */
  async transactions(
    accountId: string,
    q: { limit: number; cursor?: string },
  ): Promise<Page<LedgerEntryView>> {
    const after = keyAfter<[string]>(q.cursor, seq);
    const rows = await this.prisma.rewardsLedgerEntry.findMany({
      where: { accountId, ...(after ? { seq: { lt: BigInt(after[0]) } } : {}) },
      orderBy: { seq: 'desc' },
      take: q.limit + 1,
    });
    return toPage(rows, q.limit, toEntryView, (e) => [e.seq.toString()]);
  }

  /** One ledger entry of the account; null also when it belongs to someone else. */
  async transaction(accountId: string, id: string): Promise<LedgerEntryView | null> {
    if (!isUUID(id)) return null;
    const row = await this.prisma.rewardsLedgerEntry.findFirst({ where: { id, accountId } });
    return row ? toEntryView(row) : null;
  }

  async vouchers(accountId: string, q: { limit: number; cursor?: string }): Promise<Page<MyVoucherView>> {
    const after = keyAfter<[string, string]>(q.cursor, instant, uuid);
    const rows = await this.prisma.rewardsVoucher.findMany({
      where: {
        accountId,
        ...(after
          ? {
              OR: [
                { issuedAt: { lt: new Date(after[0]) } },
                { issuedAt: new Date(after[0]), id: { lt: after[1] } },
              ],
            }
          : {}),
      },
      orderBy: [{ issuedAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
    });
    const titles = new Map(
      (
        await this.prisma.rewardsOffer.findMany({
          where: { id: { in: [...new Set(rows.map((r) => r.offerId))] } },
          select: { id: true, title: true },
        })
      ).map((o) => [o.id, o.title]),
    );
    return toPage(
      rows,
      q.limit,
      (v) => ({
        code: v.code,
        offerId: v.offerId,
        offerTitle: titles.get(v.offerId) ?? '',
        pointsCost: v.pointsCost,
        issuedAt: v.issuedAt.toISOString(),
        expiresAt: v.expiresAt.toISOString(),
        usedAt: v.usedAt?.toISOString() ?? null,
        kid: v.kid,
        signature: v.signature,
      }),
      (v) => [v.issuedAt.toISOString(), v.id],
    );
  }
}

function toEntryView(e: {
  id: string;
  delta: number;
  balanceAfter: number;
  reason: string;
  reference: string;
  createdAt: Date;
}): LedgerEntryView {
  return {
    id: e.id,
    delta: e.delta,
    balance: e.balanceAfter,
    reason: e.reason,
    reference: e.reference,
    createdAt: e.createdAt.toISOString(),
  };
}

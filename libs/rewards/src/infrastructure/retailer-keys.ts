import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuditAuthor } from '@heyblue/iam';
import { decodeCursor, NotFound, PrismaService, ReadReplicas, toPage, type Page } from '@heyblue/platform';
import { AuditLog } from '../application/ports.js';
import { retailerNotFound } from '../domain/rewards.errors.js';

export interface RetailerListItem {
  id: string;
  externalId: string;
  name: string;
  active: boolean;
}

/** A retailer key as an admin sees it: never the key, never its hash. */
export interface RetailerKeyView {
  id: string;
  /** The key's first characters (`hbr_…`), to tell keys apart on a till. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export const hashRetailerKey = (key: string): string =>
  createHash('sha256').update(key, 'utf8').digest('hex');

/** A new random key (256 bits) and what is stored of it. */
export function newRetailerKey(): { key: string; keyHash: string; prefix: string } {
  const key = `hbr_${randomBytes(32).toString('base64url')}`;
  return { key, keyHash: hashRetailerKey(key), prefix: key.slice(0, 12) };
}

const retailerKeyNotFound = () => new NotFound('Retailer key', 'RETAILER_KEY_NOT_FOUND');

/**
 * The admin's view of retailers and their `X-Retailer-Key`s: search, list keys, issue (the key
 * is answered once and stored as SHA-256), revoke. Every call writes an audit entry; issue and
 * revoke in the same transaction as the change. The key guard reads the key on every call (no
 * cache), so a revoked key answers 401 at once on every instance.
 */
@Injectable()
export class RetailerKeys {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditLog,
    private readonly replicas: ReadReplicas,
  ) {}

  /** Retailers by name (then id), optionally those whose name or external id contains `q`. */
  async search(
    q: { q?: string; limit: number; cursor?: string },
    actor: AuditAuthor,
  ): Promise<Page<RetailerListItem>> {
    const after = decodeCursor<[string, string]>(q.cursor, 2);
    const text = q.q?.trim();
    // An admin list: may lag by a second, read from a replica when one is in rotation. A
    // retailer's keys (below) are read right after an admin makes one, on the primary.
    const rows = await this.replicas.read((db) =>
      db.rewardsRetailer.findMany({
        where: {
          AND: [
            text
              ? {
                  OR: [
                    { name: { contains: text, mode: 'insensitive' } },
                    { externalId: { contains: text, mode: 'insensitive' } },
                  ],
                }
              : {},
            after ? { OR: [{ name: { gt: after[0] } }, { name: after[0], id: { gt: after[1] } }] } : {},
          ],
        },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
        take: q.limit + 1,
        select: { id: true, externalId: true, name: true, active: true },
      }),
    );
    await this.audit.record(null, {
      actor,
      action: 'retailers_viewed',
      targetId: null,
      detail: { q: text ?? null, count: Math.min(rows.length, q.limit) },
    });
    return toPage(
      rows,
      q.limit,
      (r) => r,
      (r) => [r.name, r.id],
    );
  }

  async keys(retailerId: string, actor: AuditAuthor): Promise<{ items: RetailerKeyView[] }> {
    const retailer = await this.prisma.rewardsRetailer.findUnique({
      where: { id: retailerId },
      select: { keys: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] } },
    });
    if (!retailer) throw retailerNotFound();
    await this.audit.record(null, {
      actor,
      action: 'retailer_keys_viewed',
      targetId: retailerId,
      detail: { count: retailer.keys.length },
    });
    return {
      items: retailer.keys.map((k) => ({
        id: k.id,
        prefix: k.prefix,
        createdAt: k.createdAt.toISOString(),
        revokedAt: k.revokedAt?.toISOString() ?? null,
      })),
    };
  }

  /** Issues a key for a retailer found by id (admin API) or by external id (CLI). */
  async issue(
    retailer: { id: string } | { externalId: string },
    actor: AuditAuthor | null,
  ): Promise<{ id: string; key: string; retailerId: string; prefix: string }> {
    const found = await this.prisma.rewardsRetailer.findUnique({
      where: 'id' in retailer ? { id: retailer.id } : { externalId: retailer.externalId },
      select: { id: true },
    });
    if (!found) throw retailerNotFound();
    const { key, keyHash, prefix } = newRetailerKey();
    const row = await this.prisma.$transaction(async (tx) => {
      const created = await tx.rewardsRetailerKey.create({
        data: { retailerId: found.id, keyHash, prefix },
        select: { id: true },
      });
      // The prefix only: the key itself is in no log and no audit entry.
      if (actor)
        await this.audit.record(tx, {
          actor,
          action: 'retailer_key_issued',
          targetId: created.id,
          detail: { retailerId: found.id, prefix },
        });
      return created;
    });
    return { id: row.id, key, retailerId: found.id, prefix };
  }

  /** Revokes a key at once; revoking a revoked key changes nothing and answers the same. */
  async revoke(keyId: string, actor: AuditAuthor | null, now = new Date()): Promise<RetailerKeyView> {
    return this.prisma.$transaction(async (tx) => {
      // Locked, so of two concurrent revokes one changes it and the other sees it revoked.
      const [row] = await tx.$queryRaw<
        Array<{ id: string; retailer_id: string; prefix: string; created_at: Date; revoked_at: Date | null }>
      >`SELECT id, retailer_id, prefix, created_at, revoked_at FROM rewards_retailer_key
        WHERE id = ${keyId}::uuid FOR UPDATE`;
      if (!row) throw retailerKeyNotFound();
      const view = (revokedAt: Date): RetailerKeyView => ({
        id: row.id,
        prefix: row.prefix,
        createdAt: row.created_at.toISOString(),
        revokedAt: revokedAt.toISOString(),
      });
      if (row.revoked_at) {
        this.audit.unchanged();
        return view(row.revoked_at);
      }
      await tx.rewardsRetailerKey.update({ where: { id: keyId }, data: { revokedAt: now } });
      if (actor)
        await this.audit.record(tx, {
          actor,
          action: 'retailer_key_revoked',
          targetId: row.id,
          detail: { retailerId: row.retailer_id, prefix: row.prefix },
        });
      return view(now);
    });
  }

  /** Keys of a retailer (by external id) for the CLI. */
  async keysOf(retailerExternalId: string): Promise<RetailerKeyView[]> {
    const retailer = await this.prisma.rewardsRetailer.findUnique({
      where: { externalId: retailerExternalId },
      select: { keys: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] } },
    });
    if (!retailer) throw retailerNotFound();
    return retailer.keys.map((k) => ({
      id: k.id,
      prefix: k.prefix,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt?.toISOString() ?? null,
    }));
  }
}

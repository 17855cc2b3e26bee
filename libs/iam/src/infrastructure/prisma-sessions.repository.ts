import { Injectable } from '@nestjs/common';
import { PrismaService, alignByKey, pgArray, tickBatcher, type Tx } from '@heyblue/platform';
import type { AccountStatus, Role } from '../domain/account.js';

export interface SessionLookup {
  sessionId: string;
  accountId: string;
  role: Role;
  status: AccountStatus;
  accessExpiresAt: Date;
  revokedAt: Date | null;
  /** Sign-in time (admin sessions end a fixed time after it). */
  createdAt: Date;
  /** The account's phone as stored (ciphertext), for the account view of the same request. */
  phoneCipher: string | null;
  phoneVerifiedAt: Date | null;
}

export interface LiveSession {
  id: string;
  deviceId: string | null;
  client: 'app' | 'web';
  createdAt: Date;
  refreshedAt: Date | null;
}

export type RotateResult =
  | {
      kind: 'rotated';
      sessionId: string;
      accountId: string;
      role: Role;
      status: AccountStatus;
      createdAt: Date;
    }
  | { kind: 'reused'; sessionId: string; accountId: string }
  | { kind: 'unknown' };

/** Sessions in PostgreSQL: the single truth every instance reads on every request. */
@Injectable()
export class PrismaSessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(
    db: Tx | PrismaService,
    s: {
      accountId: string;
      deviceId: string | null;
      client: 'app' | 'web';
      accessTokenHash: string;
      accessExpiresAt: Date;
      refreshTokenHash: string;
    },
  ): Promise<string> {
    const row = await db.iamSession.create({ data: s, select: { id: true } });
    return row.id;
  }

  /**
   * The session behind an access token with its account's facts. Every authenticated request
   * asks, so the lookups of requests that arrive together share one raw statement (one
   * round trip, no query compiler; a `findUnique` with the account included runs as two
   * queries). Each call still reads PostgreSQL: nothing is cached between requests.
   */
  readonly findByAccessHash: (hash: string) => Promise<SessionLookup | null> = tickBatcher((hashes) =>
    this.findManyByAccessHash(hashes),
  );

  private async findManyByAccessHash(hashes: readonly string[]): Promise<Array<SessionLookup | null>> {
    // Straight on the pool (PrismaService.rows); one text[] parameter, whatever the batch size.
    const rows = await this.prisma.rows<SessionLookup & { hash: string }>(
      `SELECT s.access_token_hash AS hash, s.id AS "sessionId", s.account_id AS "accountId", a.role, a.status,
              s.access_expires_at AS "accessExpiresAt", s.revoked_at AS "revokedAt", s.created_at AS "createdAt",
              a.phone_cipher AS "phoneCipher", a.phone_verified_at AS "phoneVerifiedAt"
       FROM iam_session s JOIN iam_account a ON a.id = s.account_id
       WHERE s.access_token_hash = ANY($1::text[])`,
      [pgArray(hashes)],
    );
    return alignByKey(hashes, rows, (r) => r.hash).map((r) => (r ? withoutHash(r) : null));
  }

  /**
   * Swaps the session's refresh token (and access token) if `oldHash` is its current one.
   * A conditional update makes two concurrent uses of one token yield one winner; the
   * loser and any later use find the hash among the rotated ones (reuse).
   */
  async rotate(
    oldHash: string,
    next: { accessTokenHash: string; accessExpiresAt: Date; refreshTokenHash: string },
  ): Promise<RotateResult> {
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.iamSession.findUnique({
        where: { refreshTokenHash: oldHash },
        select: {
          id: true,
          accountId: true,
          revokedAt: true,
          createdAt: true,
          account: { select: { role: true, status: true } },
        },
      });
      if (current && !current.revokedAt) {
        const updated = await tx.iamSession.updateMany({
          where: { id: current.id, refreshTokenHash: oldHash, revokedAt: null },
          data: { ...next, refreshedAt: new Date() },
        });
        if (updated.count === 1) {
          await tx.iamRotatedRefreshToken.create({ data: { tokenHash: oldHash, sessionId: current.id } });
          return {
            kind: 'rotated',
            sessionId: current.id,
            accountId: current.accountId,
            role: current.account.role as Role,
            status: current.account.status as AccountStatus,
            createdAt: current.createdAt,
          };
        }
      }
      if (current?.revokedAt) return { kind: 'unknown' }; // the session already ended
      // Here the token was not (or no longer) the current one: a concurrent use rotated it
      // first (its commit is visible to this next statement) or it was rotated long ago.
      const rotated = await tx.iamRotatedRefreshToken.findUnique({ where: { tokenHash: oldHash } });
      if (!rotated) return { kind: 'unknown' };
      const session = await tx.iamSession.findUnique({
        where: { id: rotated.sessionId },
        select: { accountId: true },
      });
      return session
        ? { kind: 'reused', sessionId: rotated.sessionId, accountId: session.accountId }
        : { kind: 'unknown' };
    });
  }

  /** Ends one session; false when it had already ended. */
  async revoke(sessionId: string, reason: string, db: Tx | PrismaService = this.prisma): Promise<boolean> {
    const r = await db.iamSession.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    return r.count > 0;
  }

  /** Ends every live session of an account (optionally only those of one device); returns their ids. */
  async revokeAll(
    db: Tx | PrismaService,
    accountId: string,
    reason: string,
    deviceId?: string,
  ): Promise<string[]> {
    const where = { accountId, revokedAt: null, ...(deviceId !== undefined ? { deviceId } : {}) };
    const live = await db.iamSession.findMany({ where, select: { id: true } });
    if (live.length === 0) return [];
    await db.iamSession.updateMany({
      where: { id: { in: live.map((s) => s.id) }, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    return live.map((s) => s.id);
  }

  /** Ends the account's live app sessions that belong to any other device (or to none); the dashboard's (web) stay. */
  async revokeOtherDevices(
    db: Tx | PrismaService,
    accountId: string,
    deviceId: string,
    reason: string,
  ): Promise<string[]> {
    const where = {
      accountId,
      revokedAt: null,
      client: 'app',
      OR: [{ deviceId: null }, { deviceId: { not: deviceId } }],
    };
    const live = await db.iamSession.findMany({ where, select: { id: true } });
    if (live.length === 0) return [];
    await db.iamSession.updateMany({
      where: { id: { in: live.map((s) => s.id) }, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    return live.map((s) => s.id);
  }

  /** The account's live sessions, newest first (at most `limit`). */
  async listLive(accountId: string, limit: number): Promise<LiveSession[]> {
    return this.prisma.iamSession.findMany({
      where: { accountId, revokedAt: null },
      orderBy: { createdAt: 'desc' },
      take: limit,
      select: { id: true, deviceId: true, client: true, createdAt: true, refreshedAt: true },
    }) as Promise<LiveSession[]>;
  }

  /** Ends one session of this account; 'not_found' when the id is not the account's (or not a session at all). */
  async revokeOwned(
    accountId: string,
    sessionId: string,
    reason: string,
  ): Promise<'ended' | 'already' | 'not_found'> {
    const r = await this.prisma.iamSession.updateMany({
      where: { id: sessionId, accountId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    if (r.count > 0) return 'ended';
    const exists = await this.prisma.iamSession.count({ where: { id: sessionId, accountId } });
    return exists > 0 ? 'already' : 'not_found';
  }

  /**
   * Deletes sessions that ended before `endedBefore`, with their rotated refresh tokens, at
   * most `batch` per call (a short transaction, no long lock on the table).
   */
  async pruneEnded(endedBefore: Date, batch: number): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      const old = await tx.iamSession.findMany({
        where: { revokedAt: { lt: endedBefore } },
        select: { id: true },
        take: batch,
      });
      if (old.length === 0) return 0;
      const ids = old.map((s) => s.id);
      await tx.iamRotatedRefreshToken.deleteMany({ where: { sessionId: { in: ids } } });
      const r = await tx.iamSession.deleteMany({ where: { id: { in: ids } } });
      return r.count;
    });
  }

  async accountOf(sessionId: string): Promise<string | null> {
    const s = await this.prisma.iamSession.findUnique({
      where: { id: sessionId },
      select: { accountId: true },
    });
    return s?.accountId ?? null;
  }
}

function withoutHash({ hash: _hash, ...lookup }: SessionLookup & { hash: string }): SessionLookup {
  return lookup;
}

import { Injectable } from '@nestjs/common';
import { PrismaService, ReadReplicas, alignByKey, pgArray, tickBatcher, type Tx } from '@heyblue/platform';
import { DEFAULT_DISPLAY_NAME, type ProfileEdits, type ProfileRole } from '../domain/profile.js';
import type { TrophyStats } from '../domain/trophies.js';
import type { AwardedTrophy, ProfileRecord } from '../domain/profile.js';

export type ProfileRow = Omit<ProfileRecord, 'trophies'>;
export type TrophyRow = AwardedTrophy;
export type { ProfileRecord };

const EPOCH = new Date(0);

type FoundRow = ProfileRow & { trophies: Array<{ code: string; awardedAt: number }> };

/**
 * A profile with its trophies. Trophy times travel as epoch milliseconds: JSON would render
 * timestamptz in the session's time zone, and the columns hold milliseconds anyway.
 */
const SELECT_PROFILE = `
  SELECT p.id, p.display_name AS "displayName", p.bio, p.avatar_url AS "avatarUrl", p.zip, p.role,
         p.precinct, p.share_consent AS "shareConsent", p.points_balance AS "pointsBalance",
         p.connections_count AS "connectionsCount",
         coalesce((SELECT json_agg(json_build_object('code', t.code, 'awardedAt', (extract(epoch FROM t.awarded_at) * 1000)::bigint)
                                   ORDER BY t.awarded_at, t.code)
                   FROM profile_trophy t WHERE t.account_id = p.id), '[]'::json) AS trophies
  FROM profile_profile p`;
const FIND_PROFILE = `${SELECT_PROFILE} WHERE p.id = $1::uuid`;
const FIND_PROFILES = `${SELECT_PROFILE} WHERE p.id = ANY($1::uuid[])`;

/**
 * The profile read model's tables. Every write is idempotent (ON CONFLICT, per-event rows,
 * version guards) so redelivered or out-of-order events converge to the same state.
 */
@Injectable()
export class PrismaProfileStore {
  constructor(
    private readonly prisma: PrismaService,
    private readonly replicas: ReadReplicas,
  ) {}

  /** Creates a placeholder profile if none exists; never changes an existing one. */
  async ensure(
    db: Tx | PrismaService,
    accountId: string,
    role: ProfileRole,
    displayName = DEFAULT_DISPLAY_NAME,
  ): Promise<void> {
    await db.$executeRaw`
      INSERT INTO profile_profile (id, display_name, role, role_as_of) VALUES (${accountId}::uuid, ${displayName}, ${role}, ${EPOCH})
      ON CONFLICT (id) DO NOTHING`;
  }

  /** `ensure` for many accounts in one statement (the first role given for an account is used). */
  async ensureMany(tx: Tx, accounts: Array<{ accountId: string; role: ProfileRole }>): Promise<void> {
    if (accounts.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO profile_profile (id, display_name, role, role_as_of)
      SELECT DISTINCT ON (a.id) a.id, ${DEFAULT_DISPLAY_NAME}, a.role, ${EPOCH}
      FROM unnest(${accounts.map((a) => a.accountId)}::uuid[], ${accounts.map((a) => a.role)}::text[])
           WITH ORDINALITY AS a(id, role, n)
      ORDER BY a.id, a.n
      ON CONFLICT (id) DO NOTHING`;
  }

  /**
   * Locks one profile row for a profile edit (an API request: this one row and nothing else, so it
   * can wait but never hold another lock a consumer needs). Consumers lock by account instead
   * (ProfileSubscriptions' `locks`).
   */
  async lock(tx: Tx, accountId: string): Promise<void> {
    await tx.$queryRaw`SELECT 1 FROM profile_profile WHERE id = ${accountId}::uuid FOR UPDATE`;
  }

  /** Applies IAM account facts (role, precinct, provider name) unless newer ones were applied already. */
  async applyAccount(
    tx: Tx,
    a: {
      accountId: string;
      role: ProfileRole;
      precinct: string | null;
      displayName: string | null;
      asOf: Date;
    },
  ): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO profile_profile (id, display_name, role, precinct, role_as_of)
      VALUES (${a.accountId}::uuid, ${a.displayName ?? DEFAULT_DISPLAY_NAME}, ${a.role}, ${a.precinct}, ${a.asOf})
      ON CONFLICT (id) DO UPDATE SET
        role = CASE WHEN profile_profile.role_as_of <= EXCLUDED.role_as_of THEN EXCLUDED.role ELSE profile_profile.role END,
        precinct = CASE WHEN profile_profile.role_as_of <= EXCLUDED.role_as_of THEN coalesce(EXCLUDED.precinct, profile_profile.precinct) ELSE profile_profile.precinct END,
        role_as_of = greatest(profile_profile.role_as_of, EXCLUDED.role_as_of),
        display_name = CASE WHEN profile_profile.display_name_custom OR ${a.displayName}::text IS NULL THEN profile_profile.display_name ELSE EXCLUDED.display_name END,
        updated_at = now()`;
  }

  /** Keeps the balance of the newest ledger entry seen (ledger sequence as the version). */
  async applyBalance(tx: Tx, accountId: string, balance: number, ledgerSeq: bigint): Promise<void> {
    await tx.$executeRaw`
      UPDATE profile_profile SET points_balance = ${balance}, balance_seq = ${ledgerSeq}, updated_at = now()
      WHERE id = ${accountId}::uuid AND balance_seq < ${ledgerSeq}`;
  }

  /**
   * `ensure` then `applyBalance` in one statement, for one points move or a batch (the hot
   * projection): creates the placeholder profile with the balance, or applies the balance
   * when newer. Per account the newest ledger entry wins, as applying the moves one by one
   * would leave it; the consumer already holds the accounts' locks (ProfileSubscriptions).
   */
  async ensureWithBalances(
    tx: Tx,
    moves: Array<{ accountId: string; role: ProfileRole; balance: number; ledgerSeq: bigint }>,
  ): Promise<void> {
    if (moves.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO profile_profile (id, display_name, role, role_as_of, points_balance, balance_seq)
      SELECT DISTINCT ON (m.id) m.id, ${DEFAULT_DISPLAY_NAME}, m.role, ${EPOCH}, m.balance, m.seq
      FROM unnest(${moves.map((m) => m.accountId)}::uuid[], ${moves.map((m) => m.role)}::text[],
                  ${moves.map((m) => m.balance)}::int[], ${moves.map((m) => m.ledgerSeq.toString())}::bigint[]) AS m(id, role, balance, seq)
      ORDER BY m.id, m.seq DESC
      ON CONFLICT (id) DO UPDATE SET points_balance = EXCLUDED.points_balance, balance_seq = EXCLUDED.balance_seq, updated_at = now()
      WHERE profile_profile.balance_seq < EXCLUDED.balance_seq`;
  }

  /**
   * Records connections, each once per account (a repeat changes nothing), and adds the ones
   * this statement inserted to their accounts' counts: the count is the number of rows, kept
   * without recounting an officer's whole history on every connection. The profiles exist.
   */
  async addConnections(
    tx: Tx,
    rows: Array<{ accountId: string; connectionId: string; zip: string | null; at: Date }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await tx.$executeRaw`
      WITH added AS (
        INSERT INTO profile_connection (account_id, connection_id, zip, established_at)
        SELECT * FROM unnest(${rows.map((r) => r.accountId)}::uuid[], ${rows.map((r) => r.connectionId)}::uuid[],
                             ${rows.map((r) => r.zip)}::text[], ${rows.map((r) => r.at.toISOString())}::timestamptz[])
        ON CONFLICT DO NOTHING RETURNING account_id)
      UPDATE profile_profile p SET connections_count = p.connections_count + a.n, updated_at = now()
      FROM (SELECT account_id, count(*)::int AS n FROM added GROUP BY account_id) a
      WHERE p.id = a.account_id`;
  }

  async addDonations(
    tx: Tx,
    rows: Array<{ accountId: string; donationId: string; points: number; at: Date }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO profile_donation (account_id, donation_id, points, donated_at)
      SELECT * FROM unnest(${rows.map((r) => r.accountId)}::uuid[], ${rows.map((r) => r.donationId)}::uuid[],
                           ${rows.map((r) => r.points)}::int[], ${rows.map((r) => r.at.toISOString())}::timestamptz[])
      ON CONFLICT DO NOTHING`;
  }

  /** What the trophy rules look at, and the trophies held, for each account (one statement). */
  async statsOf(tx: Tx, accountIds: string[]): Promise<Map<string, { stats: TrophyStats; held: string[] }>> {
    const rows = await tx.$queryRaw<
      Array<{
        id: string;
        connections: bigint;
        zips: bigint;
        donations: bigint;
        donated: bigint;
        held: string[];
      }>
    >`
      SELECT a.id::text AS id,
        (SELECT count(*) FROM profile_connection WHERE account_id = a.id) AS connections,
        (SELECT count(DISTINCT zip) FROM profile_connection WHERE account_id = a.id AND zip IS NOT NULL) AS zips,
        (SELECT count(*) FROM profile_donation WHERE account_id = a.id) AS donations,
        (SELECT coalesce(sum(points), 0) FROM profile_donation WHERE account_id = a.id)::bigint AS donated,
        ARRAY(SELECT code FROM profile_trophy WHERE account_id = a.id) AS held
      FROM unnest(${accountIds}::uuid[]) AS a(id)`;
    return new Map(
      rows.map((row) => [
        row.id,
        {
          stats: {
            connections: Number(row.connections),
            distinctZips: Number(row.zips),
            donations: Number(row.donations),
            donatedPoints: Number(row.donated),
          },
          held: row.held,
        },
      ]),
    );
  }

  /** True when this call awarded it (false when the account already held it). */
  async awardTrophy(tx: Tx, accountId: string, code: string, at: Date): Promise<boolean> {
    const n = await tx.$executeRaw`
      INSERT INTO profile_trophy (account_id, code, awarded_at) VALUES (${accountId}::uuid, ${code}, ${at}) ON CONFLICT DO NOTHING`;
    return n === 1;
  }

  /** A profile with its trophies in one statement (GET /me reads it on every call). */
  async find(db: Tx | PrismaService, accountId: string): Promise<ProfileRecord | null> {
    // Outside a transaction (GET /me: every call) batched with the reads of
    // concurrent requests, straight on the pool; inside one, the transaction's client
    // (`$queryRawUnsafe` binds the id as a parameter).
    const row =
      db === this.prisma
        ? await this.findOnPool(accountId.toLowerCase())
        : (await db.$queryRawUnsafe<FoundRow[]>(FIND_PROFILE, accountId))[0];
    return row ? toRecord(row) : null;
  }

  /**
   * Someone's public profile, which may lag by a second: from a replica when one is in rotation
   * (my own profile, `find`, shows my balance right after my writes and stays on the primary).
   */
  async findPublic(accountId: string): Promise<ProfileRecord | null> {
    const row = await this.findOnReplica(accountId.toLowerCase());
    return row ? toRecord(row) : null;
  }

  private readonly findOnPool = tickBatcher<string, FoundRow>(async (ids) =>
    alignByKey(ids, await this.prisma.rows<FoundRow>(FIND_PROFILES, [pgArray(ids)]), (r) => r.id),
  );

  private readonly findOnReplica = tickBatcher<string, FoundRow>(async (ids) =>
    alignByKey(ids, await this.replicas.rows<FoundRow>(FIND_PROFILES, [pgArray(ids)]), (r) => r.id),
  );

  async update(tx: Tx, accountId: string, patch: ProfileEdits): Promise<void> {
    await tx.profile.update({
      where: { id: accountId },
      data: { ...patch, ...(patch.displayName !== undefined ? { displayNameCustom: true } : {}) },
    });
  }

  /**
   * Gives an officer whose name is still the provider's the officer default (`toDefault`);
   * a chosen name is never touched. Returns the new name, or null when nothing changed.
   */
  async applyOfficerDefaultName(
    tx: Tx,
    accountId: string,
    toDefault: (name: string) => string,
  ): Promise<string | null> {
    const row = await tx.profile.findUnique({
      where: { id: accountId },
      select: { displayName: true, displayNameCustom: true, role: true },
    });
    if (!row || row.role !== 'officer' || row.displayNameCustom) return null;
    const name = toDefault(row.displayName);
    if (name === row.displayName) return null;
    await tx.profile.update({ where: { id: accountId }, data: { displayName: name } });
    return name;
  }

  /** Syncs the role from IAM's answer on read (IAM owns it; the read model follows). */
  async syncRole(accountId: string, role: ProfileRole): Promise<void> {
    await this.prisma.profile.updateMany({
      where: { id: accountId, NOT: { role } },
      data: { role, roleAsOf: new Date() },
    });
  }
}

function toRecord(row: FoundRow): ProfileRecord {
  return {
    ...row,
    trophies: row.trophies.map((t) => ({ code: t.code, awardedAt: new Date(t.awardedAt) })),
  };
}

import { Injectable } from '@nestjs/common';
import { PrismaService, alignByKey, pgArray, tickBatcher, type Tx } from '@heyblue/platform';
import { InsufficientPoints } from '../domain/rewards.errors.js';
import { balanceCannotGoNegative } from '../domain/rules/balance-cannot-go-negative.rule.js';
import { Ledger, type LedgerMovement, type LedgerReason, type PostedEntry } from '../application/ports.js';

interface EntryRow {
  seq: bigint;
  id: string;
  account_id: string;
  delta: number;
  balance_after: number;
  reason: string;
  reference: string;
  created_at: Date;
}

const toEntry = (r: EntryRow): PostedEntry => ({
  id: r.id,
  seq: r.seq,
  accountId: r.account_id,
  delta: r.delta,
  balanceAfter: r.balance_after,
  reason: r.reason as LedgerReason,
  reference: r.reference,
  createdAt: r.created_at,
});

/**
 * The ledger on PostgreSQL. A movement is one statement that changes the account's running
 * balance and appends the entry together: credits upsert the balance row, debits update it
 * only `WHERE balance + delta >= 0`. The row lock that UPDATE takes makes concurrent debits
 * of one account queue, and each re-checks the condition against the balance the previous
 * one committed (READ COMMITTED re-evaluation), so the balance cannot go negative; the
 * CHECK constraints refuse it anyway. Few round trips keep the lock short on hot accounts.
 */
@Injectable()
export class PrismaLedgerRepository extends Ledger {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async post(tx: Tx, m: LedgerMovement): Promise<{ entry: PostedEntry; duplicate: boolean }> {
    const [existing] = await tx.$queryRaw<EntryRow[]>`
      SELECT seq, id::text AS id, account_id::text AS account_id, delta, balance_after, reason, reference, created_at
      FROM rewards_ledger_entry WHERE idempotency_key = ${m.idempotencyKey}`;
    if (existing) return { entry: toEntry(existing), duplicate: true };
    const [row] =
      m.delta > 0
        ? await tx.$queryRaw<EntryRow[]>`
            WITH acc AS (
              INSERT INTO rewards_account (account_id, balance) VALUES (${m.accountId}::uuid, ${m.delta})
              ON CONFLICT (account_id) DO UPDATE SET balance = rewards_account.balance + EXCLUDED.balance, updated_at = now()
              RETURNING account_id, balance
            )
            INSERT INTO rewards_ledger_entry (id, account_id, delta, balance_after, reason, reference, idempotency_key)
            SELECT gen_random_uuid(), acc.account_id, ${m.delta}, acc.balance, ${m.reason}, ${m.reference}, ${m.idempotencyKey} FROM acc
            RETURNING seq, id::text AS id, account_id::text AS account_id, delta, balance_after, reason, reference, created_at`
        : await tx.$queryRaw<EntryRow[]>`
            WITH acc AS (
              UPDATE rewards_account SET balance = balance + ${m.delta}, updated_at = now()
              WHERE account_id = ${m.accountId}::uuid AND balance + ${m.delta} >= 0
              RETURNING account_id, balance
            )
            INSERT INTO rewards_ledger_entry (id, account_id, delta, balance_after, reason, reference, idempotency_key)
            SELECT gen_random_uuid(), acc.account_id, ${m.delta}, acc.balance, ${m.reason}, ${m.reference}, ${m.idempotencyKey} FROM acc
            RETURNING seq, id::text AS id, account_id::text AS account_id, delta, balance_after, reason, reference, created_at`;
    if (row) return { entry: toEntry(row), duplicate: false };
    // Nothing moved: the debit would have driven the balance negative.
    const [acc] = await tx.$queryRaw<
      Array<{ balance: number }>
    >`SELECT balance FROM rewards_account WHERE account_id = ${m.accountId}::uuid`;
    balanceCannotGoNegative(acc?.balance ?? 0, m.delta);
    // A credit committed between the refused update and this read: it was still refused.
    throw new InsufficientPoints(acc?.balance ?? 0, -m.delta);
  }

  /** The ledger's own balance: the newest entry's running balance (0 without entries). */
  async balanceOf(accountId: string): Promise<number> {
    return (await this.newestBalance(accountId)) ?? 0;
  }

  // GET /rewards/balance: a hot one-row read, batched with the reads of concurrent requests
  // and straight on the pool (PrismaService.rows); one index probe per account.
  private readonly newestBalance = tickBatcher<string, number>(async (ids) => {
    const rows = await this.prisma.rows<{ id: string; balance: number | null }>(
      `SELECT a.id, (SELECT e.balance_after FROM rewards_ledger_entry e WHERE e.account_id = a.id ORDER BY e.seq DESC LIMIT 1) AS balance
       FROM unnest($1::uuid[]) AS a(id)`,
      [pgArray(ids)],
    );
    return alignByKey(ids, rows, (r) => r.id).map((r) => r?.balance ?? null);
  });
}

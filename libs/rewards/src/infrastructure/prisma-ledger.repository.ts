import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '@heyblue/platform';
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
 * The ledger on PostgreSQL. Every movement locks the account's balance row
 * (SELECT … FOR UPDATE), so concurrent debits of one account serialise and each sees the
 * balance the previous one left; the CHECK constraints refuse a negative balance anyway.
 */
@Injectable()
export class PrismaLedgerRepository extends Ledger {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async post(tx: Tx, m: LedgerMovement): Promise<{ entry: PostedEntry; duplicate: boolean }> {
    let balance = await this.lock(tx, m.accountId);
    if (balance === null) {
      if (m.delta < 0) throw new InsufficientPoints(0, -m.delta);
      await tx.$executeRaw`INSERT INTO rewards_account (account_id) VALUES (${m.accountId}::uuid) ON CONFLICT DO NOTHING`;
      balance = (await this.lock(tx, m.accountId)) ?? 0;
    }
    const [existing] = await tx.$queryRaw<EntryRow[]>`
      SELECT seq, id::text AS id, account_id::text AS account_id, delta, balance_after, reason, reference, created_at
      FROM rewards_ledger_entry WHERE idempotency_key = ${m.idempotencyKey}`;
    if (existing) return { entry: toEntry(existing), duplicate: true };
    const after = balanceCannotGoNegative(balance, m.delta);
    const [row] = await tx.$queryRaw<EntryRow[]>`
      WITH acc AS (
        UPDATE rewards_account SET balance = ${after}, updated_at = now() WHERE account_id = ${m.accountId}::uuid RETURNING account_id
      )
      INSERT INTO rewards_ledger_entry (id, account_id, delta, balance_after, reason, reference, idempotency_key)
      SELECT gen_random_uuid(), acc.account_id, ${m.delta}, ${after}, ${m.reason}, ${m.reference}, ${m.idempotencyKey} FROM acc
      RETURNING seq, id::text AS id, account_id::text AS account_id, delta, balance_after, reason, reference, created_at`;
    if (!row) throw new Error('ledger account row vanished under lock');
    return { entry: toEntry(row), duplicate: false };
  }

  /** The ledger's own balance: the newest entry's running balance (0 without entries). */
  async balanceOf(accountId: string): Promise<number> {
    const [row] = await this.prisma.$queryRaw<Array<{ balance_after: number }>>`
      SELECT balance_after FROM rewards_ledger_entry WHERE account_id = ${accountId}::uuid ORDER BY seq DESC LIMIT 1`;
    return row?.balance_after ?? 0;
  }

  private async lock(tx: Tx, accountId: string): Promise<number | null> {
    const [row] = await tx.$queryRaw<Array<{ balance: number }>>`
      SELECT balance FROM rewards_account WHERE account_id = ${accountId}::uuid FOR UPDATE`;
    return row ? row.balance : null;
  }
}

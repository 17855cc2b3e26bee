import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { OutboxService, PrismaService, type IntegrationEvent, type Tx } from '@heyblue/platform';
import { IdempotencyKeyReused } from '../domain/rewards.errors.js';
import {
  Clock,
  DonationStore,
  EventPublisher,
  IdempotencyStore,
  OfferStock,
  SchemeFinder,
  UnitOfWork,
  VoucherStore,
  type NewDonation,
  type NewVoucher,
  type RedeemableOffer,
  type SchemeAtPlace,
  type StoredAnswer,
} from '../application/ports.js';

@Injectable()
export class PrismaUnitOfWork extends UnitOfWork {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((tx) => work(tx), { timeout: 15_000, maxWait: 10_000 });
  }

  async savepoint<T>(tx: Tx, work: () => Promise<T>): Promise<T> {
    await tx.$executeRaw`SAVEPOINT rewards_work`;
    try {
      const result = await work();
      await tx.$executeRaw`RELEASE SAVEPOINT rewards_work`;
      return result;
    } catch (err) {
      await tx.$executeRaw`ROLLBACK TO SAVEPOINT rewards_work`;
      throw err;
    }
  }
}

@Injectable()
export class PrismaOfferStock extends OfferStock {
  async find(tx: Tx, offerId: string): Promise<RedeemableOffer | null> {
    if (!isUUID(offerId)) return null;
    // A retired offer (or one of a retired retailer) is found, marked inactive: the rule refuses
    // it with OFFER_UNAVAILABLE, as the app listed it until ETL retired it. No row lock: a
    // retirement committing meanwhile orders after this redemption (ETL reads no ledger), and
    // sharing the row would deadlock two takers of a limited offer upgrading to takeOne's UPDATE.
    const [offer] = await tx.$queryRaw<RedeemableOffer[]>`
      SELECT o.id::text AS id, o.retailer_id::text AS "retailerId", o.title, o.discount,
             o.points_cost AS "pointsCost", o.valid_from AS "validFrom", o.valid_until AS "validUntil",
             o.max_redemptions AS "maxRedemptions", o.redeemed_count AS "redeemedCount",
             (o.active AND r.active) AS active
      FROM rewards_offer o JOIN rewards_retailer r ON r.id = o.retailer_id
      WHERE o.id = ${offerId}::uuid`;
    return offer ?? null;
  }

  async takeOne(tx: Tx, offerId: string): Promise<boolean> {
    // Conditional increment: the row lock makes concurrent takers queue; the CHECK is a backstop.
    const n = await tx.$executeRaw`
      UPDATE rewards_offer SET redeemed_count = redeemed_count + 1
      WHERE id = ${offerId}::uuid AND (max_redemptions IS NULL OR redeemed_count < max_redemptions)`;
    return n === 1;
  }
}

@Injectable()
export class PrismaVoucherStore extends VoucherStore {
  async create(tx: Tx, v: NewVoucher): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO rewards_voucher (id, code, account_id, offer_id, retailer_id, points_cost, issued_at, expires_at, kid, signature, ledger_entry_id)
      VALUES (${v.id}::uuid, ${v.code}, ${v.accountId}::uuid, ${v.offerId}::uuid, ${v.retailerId}::uuid, ${v.pointsCost},
              ${v.issuedAt}, ${v.expiresAt}, ${v.kid}, ${v.signature}, ${v.ledgerEntryId}::uuid)`;
  }
}

@Injectable()
export class PrismaDonationStore extends DonationStore {
  async charityExists(tx: Tx, charityId: string): Promise<boolean> {
    if (!isUUID(charityId)) return false;
    // A retired charity (ETL active=false) takes no more donations.
    return (await tx.rewardsCharity.count({ where: { id: charityId, active: true } })) === 1;
  }

  async create(tx: Tx, d: NewDonation): Promise<void> {
    await tx.rewardsDonation.create({ data: d });
  }
}

@Injectable()
export class PrismaIdempotencyStore extends IdempotencyStore {
  async claim(
    tx: Tx,
    accountId: string,
    key: string,
    operation: string,
    fingerprint: string,
  ): Promise<StoredAnswer | null> {
    // A concurrent request with the same key blocks on this insert until the first commits
    // (then it replays the answer) or rolls back (then it claims the key itself).
    const claimed = await tx.$executeRaw`
      INSERT INTO rewards_idempotency_key (account_id, key, operation, fingerprint, status, response)
      VALUES (${accountId}::uuid, ${key}, ${operation}, ${fingerprint}, 0, '{}'::jsonb) ON CONFLICT DO NOTHING`;
    if (claimed === 1) return null;
    const row = await tx.rewardsIdempotencyKey.findUnique({ where: { accountId_key: { accountId, key } } });
    if (!row || row.operation !== operation || row.fingerprint !== fingerprint)
      throw new IdempotencyKeyReused();
    return { status: row.status, body: row.response };
  }

  async complete(tx: Tx, accountId: string, key: string, answer: StoredAnswer): Promise<void> {
    await tx.$executeRaw`
      UPDATE rewards_idempotency_key SET status = ${answer.status}, response = ${JSON.stringify(answer.body)}::jsonb
      WHERE account_id = ${accountId}::uuid AND key = ${key}`;
  }
}

@Injectable()
export class PrismaSchemeFinder extends SchemeFinder {
  activeFor(tx: Tx, zip: string, at: Date): Promise<SchemeAtPlace[]> {
    return tx.rewardsScheme.findMany({
      where: {
        active: true,
        validFrom: { lte: at },
        validUntil: { gt: at },
        municipality: { active: true, zips: { has: zip } },
      },
      select: { id: true, multiplier: true, validFrom: true, validUntil: true },
    });
  }
}

@Injectable()
export class OutboxEventPublisher extends EventPublisher {
  constructor(private readonly outbox: OutboxService) {
    super();
  }

  publish(tx: Tx, ...events: IntegrationEvent<object>[]): Promise<void> {
    return this.outbox.publish(tx, ...events);
  }

  flush(): void {
    this.outbox.kick();
  }
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

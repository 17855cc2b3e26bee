import { randomUUID } from 'node:crypto';
import { PrismaService, QueueFactory, EventConsumers } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { RedeemOfferHandler } from '../../libs/rewards/src/application/redeem-offer/redeem-offer.handler.js';
import { DonatePointsHandler } from '../../libs/rewards/src/application/donate-points/donate-points.handler.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';
import {
  connectionEvent,
  earn,
  givenOffer,
  givenScheme,
  ledgerBalance,
  publish,
  drained,
} from './rewards-fixtures.js';

/** The ledger against real PostgreSQL, Redis and the outbox (use cases called in-process). */
describe('rewards ledger (real PostgreSQL)', () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({
      REWARDS_POINTS_PER_CONNECTION_CITIZEN: '10',
      REWARDS_POINTS_PER_CONNECTION_OFFICER: '4',
    });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await drained(t);
    await t.close();
  });

  it('awards both sides of a connection and emits PointsEarned per account', async () => {
    const citizenId = randomUUID();
    const officerId = randomUUID();
    const event = connectionEvent({ citizenId, officerId, zip: '99999' });
    await publish(t, event);
    await eventually(
      () => ledgerBalance(t, officerId),
      (b) => b === 4,
      { what: 'officer points' },
    );
    expect(await ledgerBalance(t, citizenId)).toBe(10);
    const earned = await eventually(
      () => prisma.outboxEvent.findMany({ where: { type: 'PointsEarned' } }),
      (rows) =>
        rows.filter(
          (r) => (r.payload as { connectionId: string }).connectionId === event.payload.connectionId,
        ).length === 2,
    );
    const mine = earned.filter(
      (r) => (r.payload as { connectionId: string }).connectionId === event.payload.connectionId,
    );
    expect(mine.map((r) => r.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          accountId: citizenId,
          points: 10,
          role: 'citizen',
          multiplier: 1,
          balance: 10,
        }),
        expect.objectContaining({
          accountId: officerId,
          points: 4,
          role: 'officer',
          multiplier: 1,
          balance: 4,
        }),
      ]),
    );
  });

  it('multiplies by the municipal scheme active at the connection ZIP and date', async () => {
    await givenScheme(t, { zips: ['62701'], multiplier: 2.5 });
    const citizenId = randomUUID();
    const officerId = randomUUID();
    const inside = connectionEvent({ citizenId, officerId, zip: '62701' });
    const before = connectionEvent({
      citizenId,
      officerId,
      zip: '62701',
      at: new Date(Date.now() - 3 * 86_400_000),
    });
    await publish(t, inside, before);
    // 10 × 2.5 = 25 inside the window, plus the plain 10 for the connection before it.
    await eventually(
      () => ledgerBalance(t, citizenId),
      (b) => b === 35,
      { what: 'citizen points with scheme' },
    );
    await eventually(
      () => ledgerBalance(t, officerId),
      (b) => b === 14,
      { what: 'officer points with scheme' },
    );
  });

  it('awards nothing twice when the same connection is delivered again', async () => {
    const citizenId = randomUUID();
    const officerId = randomUUID();
    const first = connectionEvent({ citizenId, officerId, zip: null });
    await publish(t, first);
    await eventually(
      () => ledgerBalance(t, citizenId),
      (b) => b === 10,
    );
    // The same fact again: a new event id for the same connection (a producer retry) ...
    await publish(
      t,
      connectionEvent({ citizenId, officerId, zip: null, connectionId: first.payload.connectionId }),
    );
    // ... and the very same envelope put on the consumer queue again (a broker redelivery).
    const [handlerId] = t.app
      .get(EventConsumers)
      .handlersFor('ConnectionEstablished')
      .filter((h) => h.startsWith('rewards.'));
    await t.app
      .get(QueueFactory)
      .get(`events.rewards`)
      .add({ handlerId, event: first.toEnvelope() }, { jobId: `redeliver-${first.id}` });
    // A later, different connection proves the queue drained past both duplicates.
    const marker = connectionEvent({ citizenId: randomUUID(), officerId, zip: null });
    await publish(t, marker);
    await eventually(
      () => ledgerBalance(t, officerId),
      (b) => b === 8,
      { what: 'marker processed' },
    );
    expect(await ledgerBalance(t, citizenId)).toBe(10);
    expect(await prisma.rewardsLedgerEntry.count({ where: { reference: first.payload.connectionId } })).toBe(
      2,
    );
  });

  it('50 simultaneous redemptions against a balance covering one yield 1 voucher and 49 INSUFFICIENT_POINTS', async () => {
    const citizenId = randomUUID();
    expect(await earn(t, citizenId, 1)).toBe(10);
    const { offerId } = await givenOffer(t, { pointsCost: 10 });
    const redeem = t.app.get(RedeemOfferHandler);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => redeem.execute({ accountId: citizenId, offerId })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(49);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'INSUFFICIENT_POINTS', status: 422 });
    expect(await ledgerBalance(t, citizenId)).toBe(0);
    expect(await prisma.rewardsVoucher.count({ where: { accountId: citizenId } })).toBe(1);
    const entries = await prisma.rewardsLedgerEntry.findMany({
      where: { accountId: citizenId },
      orderBy: { seq: 'asc' },
    });
    expect(entries.map((e) => [e.delta, e.balanceAfter])).toEqual([
      [10, 10],
      [-10, 0],
    ]);
    const account = await prisma.rewardsAccount.findUnique({ where: { accountId: citizenId } });
    expect(account?.balance).toBe(0);
  });

  it('never oversells a limited offer under concurrent redemptions by different citizens', async () => {
    const { offerId } = await givenOffer(t, { pointsCost: 10, maxRedemptions: 5 });
    const citizens = Array.from({ length: 20 }, () => randomUUID());
    await Promise.all(citizens.map((c) => earn(t, c, 1)));
    const redeem = t.app.get(RedeemOfferHandler);
    const results = await Promise.allSettled(
      citizens.map((accountId) => redeem.execute({ accountId, offerId })),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'OFFER_UNAVAILABLE' });
    expect(await prisma.rewardsVoucher.count({ where: { offerId } })).toBe(5);
    expect((await prisma.rewardsOffer.findUnique({ where: { id: offerId } }))?.redeemedCount).toBe(5);
    // The refused citizens kept their points: each debit was rolled back with its failed redemption.
    const balances = await Promise.all(citizens.map((c) => ledgerBalance(t, c)));
    expect(balances.filter((b) => b === 0)).toHaveLength(5);
    expect(balances.filter((b) => b === 10)).toHaveLength(15);
  });

  it('answers on an offer as it is right after it changed or sold out, though its earlier terms were remembered', async () => {
    const citizenId = randomUUID();
    await earn(t, citizenId, 3);
    const { offerId } = await givenOffer(t, { pointsCost: 10 });
    const redeem = t.app.get(RedeemOfferHandler);
    expect((await redeem.execute({ accountId: citizenId, offerId })).voucher.pointsCost).toBe(10);
    await prisma.rewardsOffer.update({ where: { id: offerId }, data: { pointsCost: 15 } });
    expect((await redeem.execute({ accountId: citizenId, offerId })).voucher.pointsCost).toBe(15);
    expect(await ledgerBalance(t, citizenId)).toBe(5);

    const { offerId: limited } = await givenOffer(t, { pointsCost: 1, maxRedemptions: 1 });
    const other = randomUUID();
    await earn(t, other, 1);
    await redeem.execute({ accountId: other, offerId: limited });
    await expect(redeem.execute({ accountId: citizenId, offerId: limited })).rejects.toMatchObject({
      code: 'OFFER_UNAVAILABLE',
      extra: { reason: 'sold_out' },
    });
    expect(await ledgerBalance(t, citizenId)).toBe(5);
  });

  it('concurrent requests with one Idempotency-Key issue one voucher and all get it', async () => {
    const citizenId = randomUUID();
    await earn(t, citizenId, 3);
    const { offerId } = await givenOffer(t, { pointsCost: 10 });
    const redeem = t.app.get(RedeemOfferHandler);
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        redeem.execute({ accountId: citizenId, offerId, idempotencyKey: key }),
      ),
    );
    expect(new Set(results.map((r) => r.voucher.code)).size).toBe(1);
    expect(await ledgerBalance(t, citizenId)).toBe(20);
    expect(await prisma.rewardsVoucher.count({ where: { accountId: citizenId } })).toBe(1);
  });

  it('concurrent twins of a refused Idempotency-Key all get the refusal, recorded once', async () => {
    const citizenId = randomUUID();
    await earn(t, citizenId, 1);
    const { offerId } = await givenOffer(t, { pointsCost: 15 });
    const redeem = t.app.get(RedeemOfferHandler);
    const key = randomUUID();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        redeem.execute({ accountId: citizenId, offerId, idempotencyKey: key }),
      ),
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'INSUFFICIENT_POINTS', status: 422 });
    }
    const stored = await prisma.rewardsIdempotencyKey.findMany({ where: { accountId: citizenId } });
    expect(stored).toEqual([expect.objectContaining({ key, status: 422 })]);
    expect(await ledgerBalance(t, citizenId)).toBe(10);
    expect(await prisma.rewardsVoucher.count({ where: { accountId: citizenId } })).toBe(0);
  });

  it('concurrent donations with one Idempotency-Key donate once and all get the same answer', async () => {
    const officerId = randomUUID();
    await earn(t, officerId, 3);
    const charity = await t.app
      .get(RewardsApi)
      .upsertCharity({ externalId: 'c-ledger-idem', name: 'Shelter', description: 'Beds' });
    const donate = t.app.get(DonatePointsHandler);
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        donate.execute({ accountId: officerId, charityId: charity.id, points: 7, idempotencyKey: key }),
      ),
    );
    expect(new Set(results.map((r) => r.donationId)).size).toBe(1);
    expect(results[0]).toMatchObject({ points: 7, balance: 23 });
    expect(await ledgerBalance(t, officerId)).toBe(23);
    expect(await prisma.rewardsDonation.count({ where: { accountId: officerId } })).toBe(1);
  });

  it('concurrent donations never drive the balance negative', async () => {
    const officerId = randomUUID();
    await earn(t, officerId, 3);
    const charity = await t.app
      .get(RewardsApi)
      .upsertCharity({ externalId: 'c-ledger', name: 'Food Bank', description: 'Meals' });
    const donate = t.app.get(DonatePointsHandler);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        donate.execute({ accountId: officerId, charityId: charity.id, points: 7 }),
      ),
    );
    // 30 points cover four donations of 7.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(await ledgerBalance(t, officerId)).toBe(2);
    expect(await prisma.rewardsDonation.count({ where: { accountId: officerId } })).toBe(4);
  });

  it('keeps the running balance equal to the sum of the ledger', async () => {
    const rows = await prisma.$queryRaw<Array<{ account_id: string; balance: number; total: bigint }>>`
      SELECT a.account_id::text, a.balance, coalesce(sum(e.delta), 0)::bigint AS total
      FROM rewards_account a LEFT JOIN rewards_ledger_entry e ON e.account_id = a.account_id
      GROUP BY a.account_id, a.balance`;
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect(Number(r.total)).toBe(r.balance);
  });
});

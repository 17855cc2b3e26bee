import { randomUUID } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import {
  Redemptions,
  type RedeemableOffer,
  type RedemptionAtOnce,
} from '../../libs/rewards/src/application/ports.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { drained, earn, givenOffer, ledgerBalance } from './rewards-fixtures.js';

/**
 * The plain redemption as one statement (`rewards_redeem_at_once`) against real PostgreSQL:
 * all of it when the case is plain, nothing at all otherwise.
 */
describe('redeem at once (real PostgreSQL)', () => {
  let t: TestApp;
  let prisma: PrismaService;
  let redemptions: Redemptions;

  beforeAll(async () => {
    t = await startTestApp({ REWARDS_POINTS_PER_CONNECTION_CITIZEN: '10' });
    prisma = t.app.get(PrismaService);
    redemptions = t.app.get(Redemptions);
  });
  afterAll(async () => {
    await drained(t);
    await t.close();
  });

  function plain(accountId: string, offer: RedeemableOffer, key?: string): RedemptionAtOnce {
    const voucherId = randomUUID();
    const now = new Date();
    return {
      offer,
      voucher: {
        id: voucherId,
        code: `AT-ONCE-${randomUUID()}`,
        accountId,
        offerId: offer.id,
        retailerId: offer.retailerId,
        pointsCost: offer.pointsCost,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + 86_400_000),
        kid: 'test-kid',
        signature: 'test-signature',
      },
      debitKey: `redemption:${voucherId}`,
      claim: key
        ? {
            key,
            operation: 'redeem-offer',
            fingerprint: offer.id,
            answer: { status: 201, body: { voucher: { code: 'first' } } },
          }
        : undefined,
      event: {
        id: randomUUID(),
        occurredAt: now.toISOString(),
        payload: {
          accountId,
          points: offer.pointsCost,
          offerId: offer.id,
          retailerId: offer.retailerId,
          voucherId,
          redeemedAt: now.toISOString(),
        },
      },
    };
  }

  /** Everything the write may touch for one citizen and offer. */
  async function footprint(accountId: string, offerId: string) {
    const [vouchers, entries, keys, events, offer] = await Promise.all([
      prisma.rewardsVoucher.count({ where: { accountId } }),
      prisma.rewardsLedgerEntry.count({ where: { accountId, reason: 'redemption' } }),
      prisma.rewardsIdempotencyKey.count({ where: { accountId } }),
      prisma.$queryRaw<
        Array<{ n: bigint }>
      >`SELECT count(*) AS n FROM platform_outbox_event WHERE type = 'PointsRedeemed' AND payload->>'accountId' = ${accountId}`,
      prisma.rewardsOffer.findUniqueOrThrow({ where: { id: offerId } }),
    ]);
    return {
      vouchers,
      entries,
      keys,
      events: Number(events[0]!.n),
      redeemed: offer.redeemedCount,
      balance: await ledgerBalance(t, accountId),
    };
  }

  it('writes the debit, voucher, answered key and PointsRedeemed with the entry’s figures together', async () => {
    const citizen = randomUUID();
    await earn(t, citizen, 3);
    const { offerId } = await givenOffer(t, { pointsCost: 10, maxRedemptions: 5 });
    const offer = (await redemptions.peekOffer(offerId))!;
    const r = plain(citizen, offer, 'key-1');
    const entry = await redemptions.redeemAtOnce(r);
    expect(entry).toMatchObject({
      accountId: citizen,
      delta: -10,
      balanceAfter: 20,
      reason: 'redemption',
      reference: r.voucher.id,
    });
    expect(await footprint(citizen, offerId)).toEqual({
      vouchers: 1,
      entries: 1,
      keys: 1,
      events: 1,
      redeemed: 1,
      balance: 20,
    });
    const voucher = await prisma.rewardsVoucher.findUniqueOrThrow({ where: { id: r.voucher.id } });
    expect(voucher).toMatchObject({
      code: r.voucher.code,
      ledgerEntryId: entry!.id,
      pointsCost: 10,
      kid: 'test-kid',
    });
    const key = await prisma.rewardsIdempotencyKey.findUniqueOrThrow({
      where: { accountId_key: { accountId: citizen, key: 'key-1' } },
    });
    expect(key).toMatchObject({
      operation: 'redeem-offer',
      fingerprint: offerId,
      status: 201,
      response: { voucher: { code: 'first' } },
    });
    const event = await prisma.outboxEvent.findUniqueOrThrow({ where: { id: r.event.id } });
    expect(event).toMatchObject({ type: 'PointsRedeemed', version: 1 });
    expect(event.payload).toEqual({
      ...r.event.payload,
      balance: 20,
      ledgerSeq: entry!.seq.toString(),
      entryId: entry!.id,
    });
  });

  it('writes nothing and answers null for a key seen before, changed terms, a sold-out offer or a short balance', async () => {
    const citizen = randomUUID();
    await earn(t, citizen, 1);
    const { offerId } = await givenOffer(t, { pointsCost: 5, maxRedemptions: 1 });
    const offer = (await redemptions.peekOffer(offerId))!;
    expect(await redemptions.redeemAtOnce(plain(citizen, offer, 'key-1'))).not.toBeNull();
    const after = await footprint(citizen, offerId);

    // The same key again (even with stock and points left, on another offer).
    const { offerId: other } = await givenOffer(t, { pointsCost: 1 });
    expect(
      await redemptions.redeemAtOnce(plain(citizen, (await redemptions.peekOffer(other))!, 'key-1')),
    ).toBeNull();
    // Sold out.
    expect(await redemptions.redeemAtOnce(plain(citizen, offer, 'key-2'))).toBeNull();
    // Terms the voucher was not built on: another price, another end of validity.
    expect(
      await redemptions.redeemAtOnce(
        plain(citizen, { ...offer, pointsCost: 4, maxRedemptions: null }, 'key-3'),
      ),
    ).toBeNull();
    expect(
      await redemptions.redeemAtOnce(
        plain(citizen, { ...offer, validUntil: new Date(offer.validUntil.getTime() + 1) }, 'key-4'),
      ),
    ).toBeNull();

    expect(await footprint(citizen, offerId)).toEqual(after);
    expect(
      await prisma.rewardsIdempotencyKey.count({
        where: { accountId: citizen, key: { in: ['key-2', 'key-3', 'key-4'] } },
      }),
    ).toBe(0);
  });

  it('writes nothing for an offer, limited or not, retired after it was read, or of a retired retailer', async () => {
    const citizen = randomUUID();
    await earn(t, citizen, 3);
    const [unlimited, limited, ofRetailer] = await Promise.all([
      givenOffer(t, { pointsCost: 5 }),
      givenOffer(t, { pointsCost: 5, maxRedemptions: 10 }),
      givenOffer(t, { pointsCost: 5 }),
    ]);
    const read = await Promise.all(
      [unlimited, limited, ofRetailer].map(async (o) => (await redemptions.peekOffer(o.offerId))!),
    );
    expect(read.map((o) => o.active)).toEqual([true, true, true]);
    // As an ETL row with active=false does, after the offers were read (and cached).
    await prisma.rewardsOffer.updateMany({
      where: { id: { in: [unlimited.offerId, limited.offerId] } },
      data: { active: false },
    });
    await prisma.rewardsRetailer.update({ where: { id: ofRetailer.retailerId }, data: { active: false } });
    const before = await Promise.all(read.map((o) => footprint(citizen, o.id)));
    for (const [i, offer] of read.entries())
      expect(await redemptions.redeemAtOnce(plain(citizen, offer, `retired-${i}`))).toBeNull();
    expect(await Promise.all(read.map((o) => footprint(citizen, o.id)))).toEqual(before);
    expect(before[0]).toMatchObject({ balance: 30, vouchers: 0, keys: 0 });
  });

  it('takes no stock of a limited offer when the balance is short: the whole statement rolls back', async () => {
    const citizen = randomUUID();
    await earn(t, citizen, 1); // 10 points
    const { offerId } = await givenOffer(t, { pointsCost: 25, maxRedemptions: 3 });
    const offer = (await redemptions.peekOffer(offerId))!;
    const before = await footprint(citizen, offerId);
    expect(await redemptions.redeemAtOnce(plain(citizen, offer, 'key-short'))).toBeNull();
    expect(await footprint(citizen, offerId)).toEqual(before);
    expect(before).toMatchObject({ redeemed: 0, balance: 10, keys: 0 });
    // An account that never earned has no points row at all: also nothing written.
    const stranger = randomUUID();
    expect(await redemptions.redeemAtOnce(plain(stranger, offer))).toBeNull();
    expect(await footprint(stranger, offerId)).toMatchObject({ vouchers: 0, redeemed: 0 });
  });

  it('sells a limited offer exactly to its stock and debits each account once under concurrency', async () => {
    const { offerId } = await givenOffer(t, { pointsCost: 10, maxRedemptions: 4 });
    const offer = (await redemptions.peekOffer(offerId))!;
    const citizens = Array.from({ length: 12 }, () => randomUUID());
    await Promise.all(citizens.map((c) => earn(t, c, 1)));
    // Each citizen twice at the same moment, under one key: at most one of the twins can write.
    const results = await Promise.all(
      citizens.flatMap((c) => [0, 1].map(() => redemptions.redeemAtOnce(plain(c, offer, `twin-${c}`)))),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(4);
    expect((await prisma.rewardsOffer.findUniqueOrThrow({ where: { id: offerId } })).redeemedCount).toBe(4);
    const balances = await Promise.all(citizens.map((c) => ledgerBalance(t, c)));
    expect(balances.filter((b) => b === 0)).toHaveLength(4);
    expect(balances.filter((b) => b === 10)).toHaveLength(8);
    expect(await prisma.rewardsVoucher.count({ where: { offerId } })).toBe(4);
  });
});

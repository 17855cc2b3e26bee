import { IdempotentWrite } from '../idempotency/idempotent-write.js';
import { InMemoryRewards } from '../testing/in-memory-rewards.fakes.js';
import { RedeemOfferHandler } from './redeem-offer.handler.js';

const CITIZEN = 'c0000000-0000-4000-8000-000000000001';

function setup(offer: Partial<Parameters<InMemoryRewards['offers']['set']>[1]> = {}) {
  const m = new InMemoryRewards();
  m.offers.set('offer-1', {
    id: 'offer-1',
    active: true,
    retailerId: 'retailer-1',
    title: 'Coffee',
    discount: 'free coffee',
    pointsCost: 50,
    validFrom: new Date('2026-11-01T00:00:00Z'),
    validUntil: new Date('2027-11-01T00:00:00Z'),
    maxRedemptions: null,
    redeemedCount: 0,
    ...offer,
  });
  const handler = new RedeemOfferHandler(
    new IdempotentWrite(m.uow, m.idempotency, m.events, m.auditLog),
    m.ledger,
    m.offerStock,
    m.voucherStore,
    m.signer,
    m.events,
    m.settings,
    m.clock,
    m.redemptions,
    m.auditLog,
  );
  return { m, handler };
}

describe('redeem an offer', () => {
  it('debits the points cost and issues a signed voucher', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 80);
    const { voucher } = await handler.execute({ accountId: CITIZEN, offerId: 'offer-1' });
    expect(m.balances.get(CITIZEN)).toBe(30);
    expect(voucher).toMatchObject({
      offerId: 'offer-1',
      pointsCost: 50,
      kid: 'test-kid',
      expiresAt: '2026-12-23T12:00:00.000Z',
    });
    expect(voucher.signature).toBe(`sig(${voucher.code}|offer-1|${voucher.expiresAt})`);
    expect(m.vouchers).toHaveLength(1);
  });

  it('publishes PointsRedeemed with the balance after the debit', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 80);
    await handler.execute({ accountId: CITIZEN, offerId: 'offer-1' });
    expect(m.published.map((e) => e.toEnvelope())).toEqual([
      expect.objectContaining({
        type: 'PointsRedeemed',
        version: 1,
        payload: expect.objectContaining({ accountId: CITIZEN, points: 50, balance: 30 }),
      }),
    ]);
    expect(m.flushed).toBe(1);
  });

  it('refuses with INSUFFICIENT_POINTS and issues nothing when the balance is short by one', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 49);
    await expect(handler.execute({ accountId: CITIZEN, offerId: 'offer-1' })).rejects.toMatchObject({
      code: 'INSUFFICIENT_POINTS',
    });
    expect(m.balances.get(CITIZEN)).toBe(49);
    expect(m.vouchers).toHaveLength(0);
    expect(m.published).toHaveLength(0);
  });

  it('refuses an expired offer with OFFER_UNAVAILABLE and moves no points', async () => {
    const { m, handler } = setup({ validUntil: new Date('2026-11-20T00:00:00Z') });
    m.balances.set(CITIZEN, 80);
    await expect(handler.execute({ accountId: CITIZEN, offerId: 'offer-1' })).rejects.toMatchObject({
      code: 'OFFER_UNAVAILABLE',
    });
    expect(m.balances.get(CITIZEN)).toBe(80);
  });

  it('refuses a sold-out offer and rolls the debit back', async () => {
    const { m, handler } = setup({ maxRedemptions: 1, redeemedCount: 0 });
    m.balances.set(CITIZEN, 200);
    await handler.execute({ accountId: CITIZEN, offerId: 'offer-1' });
    await expect(handler.execute({ accountId: CITIZEN, offerId: 'offer-1' })).rejects.toMatchObject({
      code: 'OFFER_UNAVAILABLE',
    });
    expect(m.balances.get(CITIZEN)).toBe(150);
    expect(m.offers.get('offer-1')?.redeemedCount).toBe(1);
  });

  it('answers 404 OFFER_NOT_FOUND for an unknown offer', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 80);
    await expect(handler.execute({ accountId: CITIZEN, offerId: 'nope' })).rejects.toMatchObject({
      code: 'OFFER_NOT_FOUND',
      status: 404,
    });
  });

  it('returns the first voucher for a repeated Idempotency-Key and debits once', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 200);
    const first = await handler.execute({ accountId: CITIZEN, offerId: 'offer-1', idempotencyKey: 'k-1' });
    const again = await handler.execute({ accountId: CITIZEN, offerId: 'offer-1', idempotencyKey: 'k-1' });
    expect(again).toEqual(first);
    expect(m.balances.get(CITIZEN)).toBe(150);
    expect(m.vouchers).toHaveLength(1);
  });

  it('refuses an Idempotency-Key reused for another offer', async () => {
    const { m, handler } = setup();
    m.offers.set('offer-2', { ...m.offers.get('offer-1')!, id: 'offer-2' });
    m.balances.set(CITIZEN, 200);
    await handler.execute({ accountId: CITIZEN, offerId: 'offer-1', idempotencyKey: 'k-1' });
    await expect(
      handler.execute({ accountId: CITIZEN, offerId: 'offer-2', idempotencyKey: 'k-1' }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(m.balances.get(CITIZEN)).toBe(150);
  });

  it('replays a refusal for a repeated Idempotency-Key, even once the balance would cover it', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 10);
    const cmd = { accountId: CITIZEN, offerId: 'offer-1', idempotencyKey: 'k-1' };
    await expect(handler.execute(cmd)).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS', status: 422 });
    m.balances.set(CITIZEN, 200);
    await expect(handler.execute(cmd)).rejects.toMatchObject({
      code: 'INSUFFICIENT_POINTS',
      status: 422,
      extra: { balance: 10, needed: 50 },
    });
    expect(m.balances.get(CITIZEN)).toBe(200);
    expect(m.vouchers).toHaveLength(0);
    expect(m.entries).toHaveLength(0);
  });

  it('runs a refused request again when it comes without a key', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 10);
    await expect(handler.execute({ accountId: CITIZEN, offerId: 'offer-1' })).rejects.toMatchObject({
      code: 'INSUFFICIENT_POINTS',
    });
    m.balances.set(CITIZEN, 200);
    await handler.execute({ accountId: CITIZEN, offerId: 'offer-1' });
    expect(m.balances.get(CITIZEN)).toBe(150);
  });

  it('wakes the event relay for a new voucher but not for a replay', async () => {
    const { m, handler } = setup();
    m.balances.set(CITIZEN, 200);
    const cmd = { accountId: CITIZEN, offerId: 'offer-1', idempotencyKey: 'k-1' };
    await handler.execute(cmd);
    await handler.execute(cmd);
    expect(m.flushed).toBe(1);
    expect(m.published).toHaveLength(1);
  });

  describe('the plain case at once, everything else the general way', () => {
    it('writes a plain redemption at once, with the same voucher, debit and event', async () => {
      const { m, handler } = setup();
      m.balances.set(CITIZEN, 80);
      const { voucher } = await handler.execute({
        accountId: CITIZEN,
        offerId: 'offer-1',
        idempotencyKey: 'k-1',
      });
      expect(m.atOnce).toBe(1);
      expect(m.vouchers).toEqual([
        expect.objectContaining({
          code: voucher.code,
          accountId: CITIZEN,
          pointsCost: 50,
          ledgerEntryId: m.entries[0]!.id,
        }),
      ]);
      expect(m.entries).toEqual([
        expect.objectContaining({ delta: -50, balanceAfter: 30, reference: m.vouchers[0]!.id }),
      ]);
      expect(m.published[0]!.toEnvelope().payload).toMatchObject({
        balance: 30,
        ledgerSeq: '1',
        entryId: m.entries[0]!.id,
        voucherId: m.vouchers[0]!.id,
      });
      expect(m.answers.get(`${CITIZEN}:k-1`)?.answer).toEqual({ status: 201, body: { voucher } });
    });

    it('replays a repeated key the general way and writes nothing at once', async () => {
      const { m, handler } = setup();
      m.balances.set(CITIZEN, 200);
      const cmd = { accountId: CITIZEN, offerId: 'offer-1', idempotencyKey: 'k-1' };
      const first = await handler.execute(cmd);
      expect(await handler.execute(cmd)).toEqual(first);
      expect(m.atOnce).toBe(1);
      expect(m.entries).toHaveLength(1);
    });

    it('answers on the offer as it is when its terms changed after they were read', async () => {
      const { m, handler } = setup();
      m.balances.set(CITIZEN, 200);
      const peek = m.redemptions.peekOffer;
      m.redemptions.peekOffer = async (id) => {
        const seen = await peek(id);
        m.offers.get(id)!.pointsCost = 70; // the catalogue changed between the read and the write
        return seen;
      };
      const { voucher } = await handler.execute({ accountId: CITIZEN, offerId: 'offer-1' });
      expect(m.atOnce).toBe(0);
      expect(voucher.pointsCost).toBe(70);
      expect(m.balances.get(CITIZEN)).toBe(130);
    });

    it('refuses an offer retired after it was read (a cached read) with OFFER_UNAVAILABLE and moves nothing', async () => {
      const { m, handler } = setup();
      m.balances.set(CITIZEN, 200);
      const peek = m.redemptions.peekOffer;
      m.redemptions.peekOffer = async (id) => {
        const seen = await peek(id);
        m.offers.get(id)!.active = false; // ETL retired it between the read and the write
        return seen;
      };
      await expect(handler.execute({ accountId: CITIZEN, offerId: 'offer-1' })).rejects.toMatchObject({
        code: 'OFFER_UNAVAILABLE',
        status: 422,
        extra: { reason: 'retired' },
      });
      expect(m.atOnce).toBe(0);
      expect(m.balances.get(CITIZEN)).toBe(200);
      expect(m.vouchers).toHaveLength(0);
      expect(m.published).toHaveLength(0);
    });

    it('takes the general way for a short balance, a sold-out or an unknown offer', async () => {
      const { m, handler } = setup({ maxRedemptions: 1, redeemedCount: 1 });
      m.balances.set(CITIZEN, 40);
      m.offers.set('offer-2', {
        ...m.offers.get('offer-1')!,
        id: 'offer-2',
        maxRedemptions: null,
        redeemedCount: 0,
      });
      await expect(handler.execute({ accountId: CITIZEN, offerId: 'offer-2' })).rejects.toMatchObject({
        code: 'INSUFFICIENT_POINTS',
      });
      m.balances.set(CITIZEN, 400);
      await expect(handler.execute({ accountId: CITIZEN, offerId: 'offer-1' })).rejects.toMatchObject({
        code: 'OFFER_UNAVAILABLE',
        extra: { reason: 'sold_out' },
      });
      await expect(handler.execute({ accountId: CITIZEN, offerId: 'nope' })).rejects.toMatchObject({
        code: 'OFFER_NOT_FOUND',
      });
      expect(m.atOnce).toBe(0);
      expect(m.balances.get(CITIZEN)).toBe(400);
    });
  });

  it('writes one audit entry with the redemption, whichever way it is written', async () => {
    const actor = { accountId: CITIZEN, ip: '10.0.0.2', userAgent: 'app' };
    const plain = setup();
    plain.m.balances.set(CITIZEN, 80);
    await plain.handler.execute({ accountId: CITIZEN, offerId: 'offer-1', actor });
    expect(plain.m.atOnce).toBe(1);
    expect(plain.m.audits).toEqual([
      {
        actor,
        action: 'points_redeemed',
        targetId: plain.m.vouchers[0]!.id,
        detail: { offerId: 'offer-1', retailerId: 'retailer-1', points: 50 },
      },
    ]);

    const limited = setup({ maxRedemptions: 1, redeemedCount: 1 });
    limited.m.balances.set(CITIZEN, 80);
    await expect(
      limited.handler.execute({ accountId: CITIZEN, offerId: 'offer-1', actor }),
    ).rejects.toMatchObject({ code: 'OFFER_UNAVAILABLE' });
    expect(limited.m.audits).toEqual([]);
  });
});

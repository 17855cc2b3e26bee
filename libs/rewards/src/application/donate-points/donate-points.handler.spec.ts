import { IdempotentWrite } from '../idempotency/idempotent-write.js';
import { InMemoryRewards } from '../testing/in-memory-rewards.fakes.js';
import { DonatePointsHandler } from './donate-points.handler.js';

const OFFICER = 'o0000000-0000-4000-8000-000000000001';

function setup(balance: number) {
  const m = new InMemoryRewards();
  m.charities.add('charity-1');
  m.balances.set(OFFICER, balance);
  return {
    m,
    handler: new DonatePointsHandler(
      new IdempotentWrite(m.uow, m.idempotency, m.events, m.auditLog),
      m.ledger,
      m.donationStore,
      m.events,
      m.clock,
      m.auditLog,
    ),
  };
}

describe('donate points', () => {
  it('moves the donated points off the balance and answers the new balance', async () => {
    const { m, handler } = setup(100);
    const result = await handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 30 });
    expect(result).toMatchObject({ points: 30, balance: 70 });
    expect(m.donations).toEqual([
      expect.objectContaining({ id: result.donationId, charityId: 'charity-1', points: 30 }),
    ]);
  });

  it('publishes PointsDonated', async () => {
    const { m, handler } = setup(100);
    await handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 30 });
    expect(m.published.map((e) => e.toEnvelope())).toEqual([
      expect.objectContaining({
        type: 'PointsDonated',
        payload: expect.objectContaining({ charityId: 'charity-1', points: 30, balance: 70 }),
      }),
    ]);
  });

  it('allows donating the whole balance', async () => {
    const { handler } = setup(100);
    await expect(
      handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 100 }),
    ).resolves.toMatchObject({ balance: 0 });
  });

  it('refuses a donation above the balance with INSUFFICIENT_POINTS', async () => {
    const { m, handler } = setup(100);
    await expect(
      handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 101 }),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    expect(m.balances.get(OFFICER)).toBe(100);
    expect(m.donations).toHaveLength(0);
  });

  it('refuses zero points', async () => {
    const { handler } = setup(100);
    await expect(
      handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 0 }),
    ).rejects.toMatchObject({ code: 'INVALID_POINTS' });
  });

  it('refuses negative points', async () => {
    const { handler } = setup(100);
    await expect(
      handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: -5 }),
    ).rejects.toMatchObject({ code: 'INVALID_POINTS' });
  });

  it('refuses fractional points', async () => {
    const { handler } = setup(100);
    await expect(
      handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 2.5 }),
    ).rejects.toMatchObject({ code: 'INVALID_POINTS' });
  });

  it('answers 404 for an unknown charity and moves nothing', async () => {
    const { m, handler } = setup(100);
    await expect(
      handler.execute({ accountId: OFFICER, charityId: 'nope', points: 10 }),
    ).rejects.toMatchObject({ code: 'CHARITY_NOT_FOUND', status: 404 });
    expect(m.balances.get(OFFICER)).toBe(100);
  });

  it('returns the first answer for a repeated Idempotency-Key and donates once', async () => {
    const { m, handler } = setup(100);
    const first = await handler.execute({
      accountId: OFFICER,
      charityId: 'charity-1',
      points: 10,
      idempotencyKey: 'd-1',
    });
    const again = await handler.execute({
      accountId: OFFICER,
      charityId: 'charity-1',
      points: 10,
      idempotencyKey: 'd-1',
    });
    expect(again).toEqual(first);
    expect(m.balances.get(OFFICER)).toBe(90);
    expect(m.donations).toHaveLength(1);
  });

  it('refuses an Idempotency-Key reused for a different amount and moves nothing', async () => {
    const { m, handler } = setup(100);
    await handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 30, idempotencyKey: 'k-1' });
    await expect(
      handler.execute({ accountId: OFFICER, charityId: 'charity-1', points: 31, idempotencyKey: 'k-1' }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(m.balances.get(OFFICER)).toBe(70);
    expect(m.donations).toHaveLength(1);
  });

  it('replays the 404 of an unknown charity for a repeated key, even once the charity exists', async () => {
    const { m, handler } = setup(100);
    const cmd = { accountId: OFFICER, charityId: 'charity-2', points: 30, idempotencyKey: 'k-1' };
    await expect(handler.execute(cmd)).rejects.toMatchObject({ code: 'CHARITY_NOT_FOUND', status: 404 });
    m.charities.add('charity-2');
    await expect(handler.execute(cmd)).rejects.toMatchObject({ code: 'CHARITY_NOT_FOUND', status: 404 });
    expect(m.balances.get(OFFICER)).toBe(100);
    expect(m.donations).toHaveLength(0);
  });

  it('writes one audit entry naming the donor, the charity and the points; a repeat under the same key writes none', async () => {
    const { m, handler } = setup(100);
    const actor = { accountId: OFFICER, ip: '10.0.0.1', userAgent: 'app' };
    const first = await handler.execute({
      accountId: OFFICER,
      charityId: 'charity-1',
      points: 30,
      idempotencyKey: 'k1',
      actor,
    });
    await handler.execute({
      accountId: OFFICER,
      charityId: 'charity-1',
      points: 30,
      idempotencyKey: 'k1',
      actor,
    });
    expect(m.audits).toEqual([
      {
        actor,
        action: 'points_donated',
        targetId: first.donationId,
        detail: { charityId: 'charity-1', points: 30 },
      },
    ]);
    expect(m.unchangedCalls).toBe(1);
  });

  it('writes no audit entry when the donation is refused', async () => {
    const { m, handler } = setup(10);
    await expect(
      handler.execute({
        accountId: OFFICER,
        charityId: 'charity-1',
        points: 30,
        actor: { accountId: OFFICER, ip: null, userAgent: null },
      }),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_POINTS',
    });
    expect(m.audits).toEqual([]);
  });
});

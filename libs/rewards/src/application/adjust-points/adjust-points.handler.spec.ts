import { IdempotentWrite } from '../idempotency/idempotent-write.js';
import { InMemoryRewards } from '../testing/in-memory-rewards.fakes.js';
import { AdjustPointsHandler } from './adjust-points.handler.js';

const CITIZEN = 'c0000000-0000-4000-8000-000000000001';
const ADMIN = { accountId: 'a0000000-0000-4000-8000-000000000001', ip: '10.0.0.9', userAgent: 'dashboard' };

function setup(balance: number) {
  const m = new InMemoryRewards();
  m.balances.set(CITIZEN, balance);
  const handler = new AdjustPointsHandler(
    new IdempotentWrite(m.uow, m.idempotency, m.events, m.auditLog),
    m.ledger,
    { exists: async (id: string) => id === CITIZEN },
    m.events,
    m.auditLog,
    m.clock,
  );
  return { m, handler };
}

describe('adjust points', () => {
  it('credits with a reason: adjustment entry, PointsAdjusted and one audit entry', async () => {
    const { m, handler } = setup(10);
    const r = await handler.execute({
      accountId: CITIZEN,
      points: 25,
      reason: 'Goodwill',
      idempotencyKey: 'k',
      actor: ADMIN,
    });
    expect(r.balance).toBe(35);
    expect(m.entries.at(-1)).toMatchObject({ reason: 'adjustment', delta: 25 });
    expect(m.published.map((e) => (e.constructor as unknown as { type: string }).type)).toEqual([
      'PointsAdjusted',
    ]);
    expect(m.audits).toEqual([
      {
        actor: ADMIN,
        action: 'points_adjusted',
        targetId: CITIZEN,
        detail: { points: 25, reason: 'Goodwill', entryId: r.entryId, balance: 35 },
      },
    ]);
  });

  it('refuses a claw-back below zero and moves nothing', async () => {
    const { m, handler } = setup(10);
    await expect(
      handler.execute({
        accountId: CITIZEN,
        points: -11,
        reason: 'Too much',
        idempotencyKey: 'k',
        actor: ADMIN,
      }),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    expect(m.balances.get(CITIZEN)).toBe(10);
    expect(m.audits).toEqual([]);
  });

  it('answers a repeat under the key with the first answer, and refuses another body under it', async () => {
    const { m, handler } = setup(0);
    const first = await handler.execute({
      accountId: CITIZEN,
      points: 5,
      reason: 'Once',
      idempotencyKey: 'k',
      actor: ADMIN,
    });
    expect(
      await handler.execute({
        accountId: CITIZEN,
        points: 5,
        reason: 'Once',
        idempotencyKey: 'k',
        actor: ADMIN,
      }),
    ).toEqual(first);
    await expect(
      handler.execute({ accountId: CITIZEN, points: 5, reason: 'Twice', idempotencyKey: 'k', actor: ADMIN }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(m.balances.get(CITIZEN)).toBe(5);
    expect(m.audits).toHaveLength(1);
  });

  it('refuses zero, fractions and an unknown account', async () => {
    const { handler } = setup(0);
    await expect(
      handler.execute({ accountId: CITIZEN, points: 0, reason: 'x', idempotencyKey: 'a', actor: ADMIN }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      handler.execute({ accountId: CITIZEN, points: 0.5, reason: 'x', idempotencyKey: 'b', actor: ADMIN }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      handler.execute({
        accountId: 'c0000000-0000-4000-8000-00000000ffff',
        points: 5,
        reason: 'x',
        idempotencyKey: 'c',
        actor: ADMIN,
      }),
    ).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });
});

import { randomUUID } from 'node:crypto';
import type { IssuedDevSession } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectInvalid, issueSessions } from '../support/admin-reads.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { givenOffer, ledgerBalance } from './rewards-fixtures.js';

/** POST /admin/accounts/{id}/points-adjustments: an admin's credit or claw-back, once per key, never below zero. */
describe('points adjustments', () => {
  let t: TestApp;
  let admin: SignedIn;

  const adjust = (
    accountId: string,
    body: unknown,
    key: string | null = randomUUID(),
    token = admin.accessToken,
  ) =>
    api(t, 'POST', `/admin/accounts/${accountId}/points-adjustments`, {
      token,
      body,
      headers: key ? { 'idempotency-key': key } : {},
    });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await given.admin(t);
  });
  afterAll(() => t.close());

  it('credits and claws back with a reason: own ledger kind, profile and reporting follow, one audit entry each', async () => {
    const [citizen] = await issueSessions(t, 'citizen');
    const credit = await adjust(citizen!.accountId, { points: 40, reason: 'Missed connection on Dec 1' });
    expect(credit.status).toBe(201);
    expect(credit.body).toEqual({ entryId: expect.any(String), balance: 40 });
    const back = await adjust(citizen!.accountId, { points: -15, reason: 'Duplicate credit' });
    expect(back.body).toEqual({ entryId: expect.any(String), balance: 25 });

    expect((await api(t, 'GET', '/rewards/balance', { token: citizen!.accessToken })).body).toEqual({
      balance: 25,
    });
    const tx = await api(t, 'GET', '/rewards/transactions', { token: citizen!.accessToken });
    expect(tx.body.items.map((e: { reason: string; delta?: number; points?: number }) => e.reason)).toEqual([
      'adjustment',
      'adjustment',
    ]);

    await eventually(
      async () =>
        (await api(t, 'GET', '/me', { token: citizen!.accessToken })).body.profile.pointsBalance === 25,
      Boolean,
      { what: 'profile balance 25' },
    );
    const prisma = t.app.get(PrismaService);
    const facts = await eventually(
      async () => {
        const [f] = await prisma.$queryRaw<Array<{ n: bigint; total: bigint }>>`
          SELECT count(*) AS n, coalesce(sum(value), 0)::bigint AS total FROM reporting_fact WHERE metric = 'points_adjusted'`;
        return [Number(f!.n), Number(f!.total)];
      },
      (v) => v[0] === 2,
      { what: 'two points_adjusted facts' },
    );
    expect(facts).toEqual([2, 25]);
    const entries = await prisma.iamAuditEntry.findMany({
      where: { action: 'points_adjusted', targetId: citizen!.accountId },
      orderBy: { seq: 'asc' },
    });
    expect(
      entries.map((e) => [
        e.actorId,
        (e.detail as { points: number }).points,
        (e.detail as { reason: string }).reason,
      ]),
    ).toEqual([
      [admin.accountId, 40, 'Missed connection on Dec 1'],
      [admin.accountId, -15, 'Duplicate credit'],
    ]);
  });

  it('never goes below zero: 422 INSUFFICIENT_POINTS and nothing moves', async () => {
    const [citizen] = await issueSessions(t, 'citizen');
    await adjust(citizen!.accountId, { points: 10, reason: 'Goodwill' });
    const res = await adjust(citizen!.accountId, { points: -11, reason: 'Claw back too much' });
    expect([res.status, res.body.code]).toEqual([422, 'INSUFFICIENT_POINTS']);
    expect(await ledgerBalance(t, citizen!.accountId)).toBe(10);
  });

  it('answers a repeat under the same key with the first answer and moves once; another body under it is refused', async () => {
    const [citizen] = await issueSessions(t, 'citizen');
    const key = randomUUID();
    const [a, b] = await Promise.all([
      adjust(citizen!.accountId, { points: 5, reason: 'Retry me' }, key),
      adjust(citizen!.accountId, { points: 5, reason: 'Retry me' }, key),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body).toEqual(a.body);
    expect((await adjust(citizen!.accountId, { points: 5, reason: 'Retry me' }, key)).body).toEqual(a.body);
    expect(await ledgerBalance(t, citizen!.accountId)).toBe(5);
    const other = await adjust(citizen!.accountId, { points: 6, reason: 'Retry me' }, key);
    expect([other.status, other.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // A different key is a new adjustment.
    expect((await adjust(citizen!.accountId, { points: 5, reason: 'Retry me' })).body.balance).toBe(10);
    const audits = await t.app
      .get(PrismaService)
      .iamAuditEntry.count({ where: { action: 'points_adjusted', targetId: citizen!.accountId } });
    expect(audits).toBe(2);
  });

  it('with a balance of one, an adjustment and a redemption racing for that point: exactly one wins', async () => {
    const { offerId } = await givenOffer(t, { pointsCost: 1 });
    for (let round = 0; round < 3; round++) {
      const [citizen] = await issueSessions(t, 'citizen');
      await adjust(citizen!.accountId, { points: 1, reason: 'Seed one point' });
      const [claw, redeem] = await Promise.all([
        adjust(citizen!.accountId, { points: -1, reason: 'Claw back the point' }),
        api(t, 'POST', '/rewards/redemptions', {
          token: citizen!.accessToken,
          body: { offerId },
          headers: { 'idempotency-key': randomUUID() },
        }),
      ]);
      expect([claw.status, redeem.status].sort()).toEqual([201, 422]);
      expect([claw.body.code, redeem.body.code].filter(Boolean)).toEqual(['INSUFFICIENT_POINTS']);
      expect(await ledgerBalance(t, citizen!.accountId)).toBe(0);
    }
  });

  it('refuses non-admins, a missing key, bad points or reason, an unknown or malformed account', async () => {
    const [citizen] = await issueSessions(t, 'citizen');
    const [officer]: IssuedDevSession[] = await issueSessions(t, 'officer');
    expect(
      (
        await adjust(
          citizen!.accountId,
          { points: 5, reason: 'Self service' },
          randomUUID(),
          citizen!.accessToken,
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await adjust(
          citizen!.accountId,
          { points: 5, reason: 'Officer try' },
          randomUUID(),
          officer!.accessToken,
        )
      ).status,
    ).toBe(403);
    expectInvalid(await adjust(citizen!.accountId, { points: 5, reason: 'No key' }, null), 'Idempotency-Key');
    expectInvalid(await adjust(citizen!.accountId, { points: 0, reason: 'Zero' }), 'points');
    expectInvalid(await adjust(citizen!.accountId, { points: 1.5, reason: 'Half' }), 'points');
    expectInvalid(await adjust(citizen!.accountId, { points: 2_000_000, reason: 'Fortune' }), 'points');
    expectInvalid(await adjust(citizen!.accountId, { points: 5 }), 'reason');
    expectInvalid(await adjust(citizen!.accountId, { points: 5, reason: '  ' }), 'reason');
    expectInvalid(await adjust(citizen!.accountId, { points: 5, reason: 'ok reason', extra: 1 }), 'extra');
    expectInvalid(await adjust('not-a-uuid', { points: 5, reason: 'Bad id' }), 'id');
    const unknown = await adjust('00000000-0000-4000-8000-000000000000', { points: 5, reason: 'Nobody' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
    expect(await ledgerBalance(t, citizen!.accountId)).toBe(0);
  });
});

import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connectionEvent, givenOffer, givenScheme, publish, drained } from './rewards-fixtures.js';

const DAY = 86_400_000;

/** Earns through ConnectionEstablished (10 points each for citizens, 25 for officers here). */
async function earnOver(
  t: TestApp,
  who: SignedIn,
  connections: number,
  role: 'citizen' | 'officer',
): Promise<number> {
  const events = Array.from({ length: connections }, () =>
    role === 'citizen'
      ? connectionEvent({ citizenId: who.accountId, officerId: randomUUID(), zip: null })
      : connectionEvent({ citizenId: randomUUID(), officerId: who.accountId, zip: null }),
  );
  const before = (await api(t, 'GET', '/rewards/balance', { token: who.accessToken })).body.balance as number;
  await publish(t, ...events);
  const perConnection = role === 'citizen' ? 10 : 25;
  const res = await eventually(
    () => api(t, 'GET', '/rewards/balance', { token: who.accessToken }),
    (r) => r.body.balance === before + connections * perConnection,
    { what: 'earned points' },
  );
  return res.body.balance as number;
}

function verifyVoucher(
  keys: Array<{ kid: string; jwk: Record<string, unknown> }>,
  v: { kid: string; code: string; offerId: string; expiresAt: string; signature: string },
): boolean {
  const key = keys.find((k) => k.kid === v.kid);
  if (!key) return false;
  const publicKey = createPublicKey({ key: key.jwk as never, format: 'jwk' });
  return verify(
    null,
    Buffer.from(`${v.code}|${v.offerId}|${v.expiresAt}`, 'utf8'),
    publicKey,
    Buffer.from(v.signature, 'base64url'),
  );
}

/** A citizen holding one fresh voucher, and the key of the retailer whose offer it is for. */
async function givenVoucher(t: TestApp): Promise<{
  me: SignedIn;
  voucher: { code: string; offerId: string };
  key: string;
  offer: Awaited<ReturnType<typeof givenOffer>>;
}> {
  const me = await given.citizen(t);
  await earnOver(t, me, 1, 'citizen');
  const offer = await givenOffer(t, { pointsCost: 10 });
  const { key } = await t.app.get(RewardsApi).issueRetailerKey(offer.retailerExternalId);
  const res = await api(t, 'POST', '/rewards/redemptions', {
    token: me.accessToken,
    body: { offerId: offer.offerId },
  });
  expect(res.status).toBe(201);
  return { me, voucher: res.body.voucher, key, offer };
}

describe('rewards over HTTP', () => {
  let t: TestApp;
  let citizen: SignedIn;
  let officer: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await startTestApp({
      REWARDS_POINTS_PER_CONNECTION_CITIZEN: '10',
      REWARDS_POINTS_PER_CONNECTION_OFFICER: '25',
      REWARDS_USD_PER_POINT: '0.02',
    });
    [citizen, officer, admin] = await Promise.all([given.citizen(t), given.officer(t), given.admin(t)]);
  });
  afterAll(async () => {
    await drained(t);
    await t.close();
  });

  describe('balance and transactions', () => {
    it('refuses calls without a token (401)', async () => {
      const res = await api(t, 'GET', '/rewards/balance');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    });

    it('answers the ledger balance and my entries newest first, paginated', async () => {
      const me = await given.citizen(t);
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body).toEqual({
        balance: 0,
      });
      expect(await earnOver(t, me, 3, 'citizen')).toBe(30);
      const first = await api(t, 'GET', '/rewards/transactions?limit=2', { token: me.accessToken });
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.items[0]).toMatchObject({ delta: 10, balance: 30, reason: 'connection' });
      expect(first.body.items[1]).toMatchObject({ balance: 20 });
      const second = await api(t, 'GET', `/rewards/transactions?limit=2&cursor=${first.body.nextCursor}`, {
        token: me.accessToken,
      });
      expect(second.body.items.map((e: { balance: number }) => e.balance)).toEqual([10]);
      expect(second.body.nextCursor).toBeNull();
    });

    it("answers 404 for another account's transaction", async () => {
      const other = await given.citizen(t);
      await earnOver(t, other, 1, 'citizen');
      const theirs = (await api(t, 'GET', '/rewards/transactions', { token: other.accessToken })).body
        .items[0].id as string;
      expect(
        (await api(t, 'GET', `/rewards/transactions/${theirs}`, { token: other.accessToken })).status,
      ).toBe(200);
      const res = await api(t, 'GET', `/rewards/transactions/${theirs}`, { token: citizen.accessToken });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('TRANSACTION_NOT_FOUND');
    });

    it('rejects limit outside 1..100 and a forged cursor (400)', async () => {
      expect(
        (await api(t, 'GET', '/rewards/transactions?limit=0', { token: citizen.accessToken })).status,
      ).toBe(400);
      expect(
        (await api(t, 'GET', '/rewards/transactions?limit=101', { token: citizen.accessToken })).status,
      ).toBe(400);
      const forged = await api(t, 'GET', '/rewards/transactions?cursor=not-a-cursor', {
        token: citizen.accessToken,
      });
      expect(forged.status).toBe(400);
      expect(forged.body.code).toBe('VALIDATION_FAILED');
    });

    it.each([
      '/rewards/transactions',
      '/rewards/offers',
      '/rewards/schemes',
      '/rewards/charities',
      '/rewards/vouchers',
    ])('%s takes ?limit 1..100 and answers 400 (never 500) for a cursor it did not make', async (path) => {
      const cursor = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
      const get = (query: string) => api(t, 'GET', `${path}?${query}`, { token: citizen.accessToken });
      for (const limit of ['0', '101', '2.5', 'ten']) expect((await get(`limit=${limit}`)).status).toBe(400);
      for (const limit of ['1', '100']) expect((await get(`limit=${limit}`)).status).toBe(200);
      for (const forged of [
        'not-a-cursor',
        cursor({ a: 1 }),
        cursor(['a', 'b', 'c']),
        cursor(['not-a-seq-or-date', 'not-a-uuid']),
        cursor(['abc']),
        cursor([2, randomUUID()]),
      ]) {
        const res = await get(`cursor=${forged}`);
        expect([res.status, res.body.code, res.body.errors]).toEqual([
          400,
          'VALIDATION_FAILED',
          [expect.objectContaining({ field: 'cursor' })],
        ]);
      }
    });

    it('pages 20 items when no limit is given', async () => {
      const rewards = t.app.get(RewardsApi);
      for (let i = 0; i < 21; i++)
        await rewards.upsertCharity({
          externalId: `ch-page-${i}`,
          name: `Page charity ${i}`,
          description: 'x',
        });
      const res = await api(t, 'GET', '/rewards/charities', { token: citizen.accessToken });
      expect(res.body.items).toHaveLength(20);
      expect(res.body.nextCursor).toEqual(expect.any(String));
    });
  });

  describe('catalogue', () => {
    it('lists offers covering a ZIP (and nationwide ones), paginated by cursor', async () => {
      const local = await givenOffer(t, { zips: ['30301'], pointsCost: 40 });
      const everywhere = await givenOffer(t, { zips: [] });
      const elsewhere = await givenOffer(t, { zips: ['94103'] });
      const ended = await givenOffer(t, {
        validFrom: new Date(Date.now() - 10 * DAY),
        validUntil: new Date(Date.now() - DAY),
      });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/rewards/offers?zip=30301&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await api(t, 'GET', path, { token: citizen.accessToken });
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((o: { id: string }) => o.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expect.arrayContaining([local.offerId, everywhere.offerId]));
      expect(seen).not.toContain(elsewhere.offerId);
      expect(seen).not.toContain(ended.offerId);
      expect(new Set(seen).size).toBe(seen.length);
      const one = await api(t, 'GET', '/rewards/offers?zip=30301&limit=100', { token: citizen.accessToken });
      expect(one.body.items.find((o: { id: string }) => o.id === local.offerId)).toMatchObject({
        pointsCost: 40,
        discount: '10% off',
        retailer: { name: expect.any(String) },
      });
    });

    it('shows remaining stock for limited offers only', async () => {
      const limited = await givenOffer(t, { maxRedemptions: 3, zips: ['30302'] });
      const res = await api(t, 'GET', '/rewards/offers?zip=30302&limit=100', { token: citizen.accessToken });
      expect(res.body.items.find((o: { id: string }) => o.id === limited.offerId)?.remaining).toBe(3);
    });

    it('rejects a malformed ZIP (400)', async () => {
      const res = await api(t, 'GET', '/rewards/offers?zip=123', { token: citizen.accessToken });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'zip' })]);
    });

    it('lists schemes of the municipalities covering a ZIP', async () => {
      await givenScheme(t, {
        zips: ['30303'],
        municipality: { name: 'Atlanta', state: 'GA' },
        title: 'Double week',
        multiplier: 2,
        validFrom: new Date(),
        validUntil: new Date(Date.now() + 7 * DAY),
      });
      const here = await api(t, 'GET', '/rewards/schemes?zip=30303', { token: citizen.accessToken });
      expect(here.body.items).toEqual([
        expect.objectContaining({
          title: 'Double week',
          multiplier: 2,
          municipality: expect.objectContaining({ name: 'Atlanta', state: 'GA' }),
        }),
      ]);
      expect(
        (await api(t, 'GET', '/rewards/schemes?zip=30399', { token: citizen.accessToken })).body.items,
      ).toEqual([]);
    });

    it('lists charities with id, name, description and url', async () => {
      await t.app.get(RewardsApi).upsertCharity({
        externalId: 'ch-http',
        name: 'Aaa Shelter',
        description: 'Beds',
        website: 'https://shelter.example',
      });
      const res = await api(t, 'GET', '/rewards/charities?limit=100', { token: officer.accessToken });
      expect(res.body.items).toContainEqual({
        id: expect.any(String),
        name: 'Aaa Shelter',
        description: 'Beds',
        url: 'https://shelter.example',
      });
    });

    it('upserts catalogue rows idempotently by external id', async () => {
      const rewards = t.app.get(RewardsApi);
      const a = await rewards.upsertCharity({ externalId: 'ch-idem', name: 'First name' });
      const b = await rewards.upsertCharity({ externalId: 'ch-idem', name: 'Second name' });
      expect(a).toEqual({ id: a.id, created: true });
      expect(b).toEqual({ id: a.id, created: false });
      expect((await t.app.get(PrismaService).rewardsCharity.findUnique({ where: { id: a.id } }))?.name).toBe(
        'Second name',
      );
      await expect(
        rewards.upsertOffer({
          externalId: 'bad',
          retailerExternalId: 'nope',
          title: 'x',
          pointsCost: 5,
          discount: 'd',
          validFrom: new Date(),
          validUntil: new Date(Date.now() + DAY),
        }),
      ).rejects.toMatchObject({ code: 'RETAILER_NOT_FOUND' });
      await expect(
        rewards.upsertMunicipality({ externalId: 'bad-zip', name: 'X', state: 'NY', zips: ['1234'] }),
      ).rejects.toMatchObject({ code: 'INVALID_CATALOGUE_ENTRY' });
    });
  });

  describe('redemptions and vouchers', () => {
    it('issues a voucher whose Ed25519 signature verifies offline with only the public key; tampering breaks it', async () => {
      const me = await given.citizen(t);
      await earnOver(t, me, 5, 'citizen');
      const { offerId } = await givenOffer(t, { pointsCost: 30 });
      const res = await api(t, 'POST', '/rewards/redemptions', { token: me.accessToken, body: { offerId } });
      expect(res.status).toBe(201);
      const voucher = res.body.voucher;
      expect(voucher).toEqual({
        code: expect.stringMatching(/^[0-9A-Z]{20}$/),
        offerId,
        pointsCost: 30,
        issuedAt: expect.any(String),
        expiresAt: expect.any(String),
        // The ring's key of the moment (test/security/keys.e2e-spec.ts rotates it).
        kid: expect.stringMatching(/^vk-\d{8}-[0-9a-f]{8}$/),
        signature: expect.any(String),
      });
      const keys = (await api(t, 'GET', '/vouchers/public-key')).body.keys;
      expect(keys[0]).toMatchObject({ kid: voucher.kid, alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519' } });
      expect(keys[0].jwk.d).toBeUndefined();
      expect(verifyVoucher(keys, voucher)).toBe(true);
      expect(
        verifyVoucher(keys, {
          ...voucher,
          expiresAt: new Date(Date.parse(voucher.expiresAt) + DAY).toISOString(),
        }),
      ).toBe(false);
      expect(
        verifyVoucher(keys, {
          ...voucher,
          code: voucher.code.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A')),
        }),
      ).toBe(false);
      expect(verifyVoucher(keys, { ...voucher, offerId: randomUUID() })).toBe(false);
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body.balance).toBe(20);
      const mine = await api(t, 'GET', '/rewards/vouchers', { token: me.accessToken });
      expect(mine.body.items).toEqual([expect.objectContaining({ code: voucher.code, usedAt: null })]);
    });

    it('repeating an Idempotency-Key returns the first voucher and moves nothing', async () => {
      const me = await given.citizen(t);
      await earnOver(t, me, 5, 'citizen');
      const { offerId } = await givenOffer(t, { pointsCost: 20 });
      const key = randomUUID();
      const first = await api(t, 'POST', '/rewards/redemptions', {
        token: me.accessToken,
        body: { offerId },
        headers: { 'idempotency-key': key },
      });
      const again = await api(t, 'POST', '/rewards/redemptions', {
        token: me.accessToken,
        body: { offerId },
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body.balance).toBe(30);
      const other = await givenOffer(t, { pointsCost: 20 });
      const reused = await api(t, 'POST', '/rewards/redemptions', {
        token: me.accessToken,
        body: { offerId: other.offerId },
        headers: { 'idempotency-key': key },
      });
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('repeating the Idempotency-Key of a refused redemption replays the 422 and moves nothing, even after earning', async () => {
      const me = await given.citizen(t);
      await earnOver(t, me, 1, 'citizen');
      const { offerId } = await givenOffer(t, { pointsCost: 20 });
      const key = randomUUID();
      const redeem = () =>
        api(t, 'POST', '/rewards/redemptions', {
          token: me.accessToken,
          body: { offerId },
          headers: { 'idempotency-key': key },
        });
      const first = await redeem();
      expect(first.status).toBe(422);
      expect(first.body.code).toBe('INSUFFICIENT_POINTS');
      expect(await earnOver(t, me, 2, 'citizen')).toBe(30);
      const again = await redeem();
      expect(again.status).toBe(422);
      expect(again.headers.get('content-type')).toMatch(/problem\+json/);
      expect(again.body).toEqual(first.body);
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body.balance).toBe(30);
      expect(
        await t.app.get(PrismaService).rewardsVoucher.count({ where: { accountId: me.accountId } }),
      ).toBe(0);
      // A new attempt is a new key.
      const fresh = await api(t, 'POST', '/rewards/redemptions', {
        token: me.accessToken,
        body: { offerId },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(fresh.status).toBe(201);
    });

    it('refuses a malformed Idempotency-Key (400) and moves nothing', async () => {
      const me = await given.citizen(t);
      await earnOver(t, me, 1, 'citizen');
      const { offerId } = await givenOffer(t, { pointsCost: 10 });
      for (const key of ['x'.repeat(256), 'has space']) {
        const res = await api(t, 'POST', '/rewards/redemptions', {
          token: me.accessToken,
          body: { offerId },
          headers: { 'idempotency-key': key },
        });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      }
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body.balance).toBe(10);
    });

    it('50 simultaneous HTTP redemptions against a balance covering one: 1 × 201, 49 × 422 INSUFFICIENT_POINTS', async () => {
      const me = await given.citizen(t);
      await earnOver(t, me, 1, 'citizen');
      const { offerId } = await givenOffer(t, { pointsCost: 10 });
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          api(t, 'POST', '/rewards/redemptions', { token: me.accessToken, body: { offerId } }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      const refused = results.filter((r) => r.status === 422);
      expect(refused).toHaveLength(49);
      for (const r of refused) expect(r.body.code).toBe('INSUFFICIENT_POINTS');
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body.balance).toBe(0);
      expect(
        await t.app.get(PrismaService).rewardsVoucher.count({ where: { accountId: me.accountId } }),
      ).toBe(1);
    });

    it('refuses an expired offer with 422 OFFER_UNAVAILABLE and an unknown one with 404', async () => {
      await earnOver(t, citizen, 2, 'citizen');
      const expired = await givenOffer(t, {
        validFrom: new Date(Date.now() - 10 * DAY),
        validUntil: new Date(Date.now() - DAY),
      });
      const res = await api(t, 'POST', '/rewards/redemptions', {
        token: citizen.accessToken,
        body: { offerId: expired.offerId },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('OFFER_UNAVAILABLE');
      const unknown = await api(t, 'POST', '/rewards/redemptions', {
        token: citizen.accessToken,
        body: { offerId: randomUUID() },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('OFFER_NOT_FOUND');
      const malformed = await api(t, 'POST', '/rewards/redemptions', {
        token: citizen.accessToken,
        body: { offerId: 'x', extra: 1 },
      });
      expect(malformed.status).toBe(400);
    });

    it('refuses a redemption above the balance with 422 INSUFFICIENT_POINTS', async () => {
      const me = await given.citizen(t);
      const { offerId } = await givenOffer(t, { pointsCost: 10 });
      const res = await api(t, 'POST', '/rewards/redemptions', { token: me.accessToken, body: { offerId } });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('INSUFFICIENT_POINTS');
    });

    it('forbids officers to redeem (403)', async () => {
      const { offerId } = await givenOffer(t);
      const res = await api(t, 'POST', '/rewards/redemptions', {
        token: officer.accessToken,
        body: { offerId },
      });
      expect(res.status).toBe(403);
    });

    it('lets a retailer verify and use its voucher once; other retailers see 404; no key is 401', async () => {
      const me = await given.citizen(t);
      await earnOver(t, me, 2, 'citizen');
      const offer = await givenOffer(t, { pointsCost: 10 });
      const other = await givenOffer(t);
      const rewards = t.app.get(RewardsApi);
      const { key } = await rewards.issueRetailerKey(offer.retailerExternalId);
      const { key: otherKey } = await rewards.issueRetailerKey(other.retailerExternalId);
      const { voucher } = (
        await api(t, 'POST', '/rewards/redemptions', {
          token: me.accessToken,
          body: { offerId: offer.offerId },
        })
      ).body;

      expect((await api(t, 'POST', '/vouchers/verify', { body: { code: voucher.code } })).status).toBe(401);
      expect(
        (
          await api(t, 'POST', '/vouchers/verify', {
            body: { code: voucher.code },
            headers: { 'x-retailer-key': 'hbr_wrong' },
          })
        ).status,
      ).toBe(401);
      const foreign = await api(t, 'POST', '/vouchers/verify', {
        body: { code: voucher.code },
        headers: { 'x-retailer-key': otherKey },
      });
      expect(foreign.status).toBe(404);
      expect(foreign.body.code).toBe('VOUCHER_NOT_FOUND');
      expect(
        (await api(t, 'POST', `/vouchers/${voucher.code}/use`, { headers: { 'x-retailer-key': otherKey } }))
          .status,
      ).toBe(404);

      const check = await api(t, 'POST', '/vouchers/verify', {
        body: { code: voucher.code.toLowerCase() },
        headers: { 'x-retailer-key': key },
      });
      expect(check.status).toBe(200);
      expect(check.body).toMatchObject({
        valid: true,
        status: 'issued',
        offer: { id: offer.offerId, pointsCost: 10 },
      });

      const used = await api(t, 'POST', `/vouchers/${voucher.code}/use`, {
        headers: { 'x-retailer-key': key },
      });
      expect(used.status).toBe(200);
      expect(used.body).toMatchObject({ valid: false, status: 'used', usedAt: expect.any(String) });
      const twice = await api(t, 'POST', `/vouchers/${voucher.code}/use`, {
        headers: { 'x-retailer-key': key },
      });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('VOUCHER_USED');
      expect(
        (
          await api(t, 'POST', '/vouchers/verify', {
            body: { code: voucher.code },
            headers: { 'x-retailer-key': key },
          })
        ).body,
      ).toMatchObject({ valid: false, status: 'used' });
      expect(
        (await api(t, 'POST', `/vouchers/NOSUCHCODE/use`, { headers: { 'x-retailer-key': key } })).status,
      ).toBe(404);
    });

    it('uses a voucher only once when two tills try at the same moment', async () => {
      const { voucher, key } = await givenVoucher(t);
      const tries = await Promise.all(
        Array.from({ length: 10 }, () =>
          api(t, 'POST', `/vouchers/${voucher.code}/use`, { headers: { 'x-retailer-key': key } }),
        ),
      );
      expect(tries.filter((r) => r.status === 200)).toHaveLength(1);
      expect(tries.filter((r) => r.status === 409)).toHaveLength(9);
    });

    it('refuses an expired voucher', async () => {
      const { voucher, key } = await givenVoucher(t);
      // Time travel for this one voucher: its expiry moves into the past.
      await t.app.get(PrismaService).rewardsVoucher.update({
        where: { code: voucher.code },
        data: { issuedAt: new Date(Date.now() - 40 * DAY), expiresAt: new Date(Date.now() - DAY) },
      });
      expect(
        (
          await api(t, 'POST', '/vouchers/verify', {
            body: { code: voucher.code },
            headers: { 'x-retailer-key': key },
          })
        ).body,
      ).toMatchObject({ valid: false, status: 'expired' });
      const use = await api(t, 'POST', `/vouchers/${voucher.code}/use`, {
        headers: { 'x-retailer-key': key },
      });
      expect(use.status).toBe(422);
      expect(use.body.code).toBe('VOUCHER_EXPIRED');
    });
    it('answers 400 for a verify without a code or with an overlong one, 404 for a code no voucher has', async () => {
      const { key } = await givenVoucher(t);
      const verify = (body: unknown) =>
        api(t, 'POST', '/vouchers/verify', { body, headers: { 'x-retailer-key': key } });
      for (const body of [{}, { code: 42 }, { code: 'A'.repeat(65) }]) {
        const res = await verify(body);
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
      for (const code of ['!!!', 'ZZZZZZZZZZZZZZZZZZZZ']) {
        const res = await verify({ code });
        expect([res.status, res.body.code]).toEqual([404, 'VOUCHER_NOT_FOUND']);
      }
    });

    it("does not let a retailer use another retailer's voucher, and leaves it usable by its own", async () => {
      const { voucher, key } = await givenVoucher(t);
      const other = await givenVoucher(t);
      const foreign = await api(t, 'POST', `/vouchers/${voucher.code}/use`, {
        headers: { 'x-retailer-key': other.key },
      });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'VOUCHER_NOT_FOUND']);
      const own = await api(t, 'POST', '/vouchers/verify', {
        body: { code: voucher.code },
        headers: { 'x-retailer-key': key },
      });
      expect(own.body).toMatchObject({ valid: true, status: 'issued' });
    });

    it('shows a citizen only their own vouchers; officers cannot list vouchers (403)', async () => {
      const mine = await givenVoucher(t);
      const theirs = await givenVoucher(t);
      const res = await api(t, 'GET', '/rewards/vouchers', { token: mine.me.accessToken });
      expect(res.body.items.map((v: { code: string }) => v.code)).toEqual([mine.voucher.code]);
      expect(JSON.stringify(res.body)).not.toContain(theirs.voucher.code);
      expect((await api(t, 'GET', '/rewards/vouchers', { token: officer.accessToken })).status).toBe(403);
    });

    it('refuses redemption bodies without a valid offerId (400) and calls without a token (401)', async () => {
      for (const body of [undefined, {}, { offerId: null }, { offerId: 42 }, { offerId: 'not-a-uuid' }]) {
        const res = await api(t, 'POST', '/rewards/redemptions', { token: citizen.accessToken, body });
        expect(res.status).toBe(400);
      }
      const { offerId } = await givenOffer(t);
      expect((await api(t, 'POST', '/rewards/redemptions', { body: { offerId } })).status).toBe(401);
    });

    it('keeps Idempotency-Keys per account: the same key from two citizens redeems twice', async () => {
      const { offerId } = await givenOffer(t, { pointsCost: 10 });
      const key = randomUUID();
      const [a, b] = await Promise.all([given.citizen(t), given.citizen(t)]);
      await Promise.all([earnOver(t, a, 1, 'citizen'), earnOver(t, b, 1, 'citizen')]);
      const redeem = (who: SignedIn) =>
        api(t, 'POST', '/rewards/redemptions', {
          token: who.accessToken,
          body: { offerId },
          headers: { 'idempotency-key': key },
        });
      const [ra, rb] = [await redeem(a), await redeem(b)];
      expect([ra.status, rb.status]).toEqual([201, 201]);
      expect(ra.body.voucher.code).not.toBe(rb.body.voucher.code);
    });
  });

  describe('donations', () => {
    let charityId: string;
    beforeAll(async () => {
      charityId = (
        await t.app
          .get(RewardsApi)
          .upsertCharity({ externalId: 'ch-donations', name: 'Zed Food Bank', description: 'Meals' })
      ).id;
    });

    it('an officer donates points: 201 with the new balance; the repeat of an Idempotency-Key moves nothing', async () => {
      const me = await given.officer(t);
      await earnOver(t, me, 4, 'officer');
      const key = randomUUID();
      const res = await api(t, 'POST', '/rewards/donations', {
        token: me.accessToken,
        body: { charityId, points: 60 },
        headers: { 'idempotency-key': key },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ donationId: expect.any(String), points: 60, balance: 40 });
      const again = await api(t, 'POST', '/rewards/donations', {
        token: me.accessToken,
        body: { charityId, points: 60 },
        headers: { 'idempotency-key': key },
      });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(res.body);
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body.balance).toBe(40);
    });

    it('refuses a donation above the balance (422 INSUFFICIENT_POINTS)', async () => {
      const me = await given.officer(t);
      await earnOver(t, me, 1, 'officer');
      const res = await api(t, 'POST', '/rewards/donations', {
        token: me.accessToken,
        body: { charityId, points: 26 },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('INSUFFICIENT_POINTS');
    });

    it.each([[0], [-5], [2.5], ['10'], [null]])('refuses points = %p (400)', async (points) => {
      const res = await api(t, 'POST', '/rewards/donations', {
        token: officer.accessToken,
        body: { charityId, points },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'points' })]));
    });

    it('refuses an unknown charity (404)', async () => {
      const res = await api(t, 'POST', '/rewards/donations', {
        token: officer.accessToken,
        body: { charityId: randomUUID(), points: 1 },
      });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('CHARITY_NOT_FOUND');
    });

    it('refuses donation bodies without a valid charityId (400)', async () => {
      for (const body of [
        { points: 1 },
        { charityId: 'nope', points: 1 },
        { charityId: 7, points: 1 },
        undefined,
      ]) {
        const res = await api(t, 'POST', '/rewards/donations', { token: officer.accessToken, body });
        expect(res.status).toBe(400);
      }
    });

    it('refuses an Idempotency-Key reused for a different donation (422) and moves nothing', async () => {
      const me = await given.officer(t);
      await earnOver(t, me, 2, 'officer');
      // Its own charity, so the payout report below keeps its exact sums.
      const { id: other } = await t.app
        .get(RewardsApi)
        .upsertCharity({ externalId: 'ch-idem-reuse', name: 'Other', description: 'x' });
      const key = randomUUID();
      const donate = (points: number) =>
        api(t, 'POST', '/rewards/donations', {
          token: me.accessToken,
          body: { charityId: other, points },
          headers: { 'idempotency-key': key },
        });
      expect((await donate(10)).status).toBe(201);
      const reused = await donate(11);
      expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
      expect((await api(t, 'GET', '/rewards/balance', { token: me.accessToken })).body.balance).toBe(40);
    });

    it('forbids citizens to donate (403)', async () => {
      const res = await api(t, 'POST', '/rewards/donations', {
        token: citizen.accessToken,
        body: { charityId, points: 1 },
      });
      expect(res.status).toBe(403);
    });

    it('reports donated points and USD per charity per month to admins only (JSON and CSV)', async () => {
      const me = await given.officer(t);
      await earnOver(t, me, 2, 'officer');
      await api(t, 'POST', '/rewards/donations', { token: me.accessToken, body: { charityId, points: 50 } });
      const res = await api(t, 'GET', '/admin/reports/donations?by=charity', { token: admin.accessToken });
      expect(res.status).toBe(200);
      const row = res.body.rows.find((r: { key: string }) => r.key === charityId);
      const month = new Date().toISOString().slice(0, 7);
      // 60 from the first donation test plus 50 here, at $0.02 a point.
      expect(row).toEqual({
        period: month,
        key: charityId,
        charity: 'Zed Food Bank',
        value: 110,
        amountUsd: 2.2,
      });
      const csv = await api(t, 'GET', '/admin/reports/donations?by=charity', {
        token: admin.accessToken,
        headers: { accept: 'text/csv' },
      });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (csv.body as string).split('\r\n');
      expect(lines[0]).toBe('period,key,charity,value,amountUsd');
      expect(lines).toContain(`${month},${charityId},Zed Food Bank,110,2.2`);
      expect(
        (await api(t, 'GET', '/admin/reports/donations?by=charity', { token: officer.accessToken })).status,
      ).toBe(403);
      expect(
        (await api(t, 'GET', '/admin/reports/donations?by=charity', { token: citizen.accessToken })).status,
      ).toBe(403);
      expect((await api(t, 'GET', '/admin/reports/donations?by=charity')).status).toBe(401);
      expect(
        (await api(t, 'GET', '/admin/reports/donations?by=zip', { token: admin.accessToken })).status,
      ).toBe(400);
    });

    it('reads ?from&to as Reporting does: a day-only `to` includes that day; `by` may be left out', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const report = (query: string) =>
        api(t, 'GET', `/admin/reports/donations?${query}`, { token: admin.accessToken });
      const row = (res: { body: { rows: Array<{ key: string; value: number }> } }) =>
        res.body.rows.find((r) => r.key === charityId);
      const all = await report('by=charity');
      expect(row(all)?.value).toBeGreaterThan(0);
      expect(row(await report(`from=${today}&to=${today}&groupBy=day`))).toMatchObject({
        period: today,
        value: row(all)?.value,
      });
      expect((await report('groupBy=month')).body).toEqual(all.body);
      for (const bad of [
        `from=${today}T12:00:00Z&to=${today}T12:00:00Z`,
        'from=2026-11-02&to=2026-11-01',
        'to=2026-02-30',
      ]) {
        const res = await report(bad);
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
    });

    it('writes charity names a spreadsheet would run as formulas as plain text in the CSV', async () => {
      const rewards = t.app.get(RewardsApi);
      const evil = await rewards.upsertCharity({
        externalId: 'ch-formula',
        name: '=SUM(1+1)',
        description: 'x',
      });
      const me = await given.officer(t);
      await earnOver(t, me, 1, 'officer');
      expect(
        (
          await api(t, 'POST', '/rewards/donations', {
            token: me.accessToken,
            body: { charityId: evil.id, points: 5 },
          })
        ).status,
      ).toBe(201);
      const csv = await api(t, 'GET', '/admin/reports/donations?by=charity', {
        token: admin.accessToken,
        headers: { accept: 'text/csv' },
      });
      const line = (csv.body as string).split('\r\n').find((l) => l.includes(evil.id));
      expect(line).toBe(`${new Date().toISOString().slice(0, 7)},${evil.id},'=SUM(1+1),5,0.1`);
    });

    it('audits every donation report an admin reads, JSON and CSV alike', async () => {
      const reader = await given.admin(t);
      const auditOf = async () =>
        (
          await api(t, 'GET', `/admin/audit?action=report_viewed&actorId=${reader.accountId}&limit=100`, {
            token: admin.accessToken,
          })
        ).body.items as Array<{ actorId: string; detail: Record<string, unknown> }>;
      expect(await auditOf()).toEqual([]);
      const from = '2026-01-01T00:00:00.000Z';
      expect(
        (
          await api(t, 'GET', `/admin/reports/donations?by=charity&groupBy=week&from=${from}`, {
            token: reader.accessToken,
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await api(t, 'GET', '/admin/reports/donations?by=charity', {
            token: reader.accessToken,
            headers: { accept: 'text/csv' },
          })
        ).status,
      ).toBe(200);
      const entries = await auditOf();
      expect(entries).toHaveLength(2);
      expect(entries.map((e) => e.detail)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            metric: 'donations',
            by: 'charity',
            groupBy: 'week',
            from,
            format: 'json',
          }),
          expect.objectContaining({ metric: 'donations', groupBy: 'month', format: 'csv' }),
        ]),
      );
    });
  });

  it('documents every rewards route in OpenAPI', async () => {
    const doc = (await fetch(`${t.url}/api/docs-json`).then((r) => r.json())) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/v1/rewards/balance',
      '/api/v1/rewards/transactions',
      '/api/v1/rewards/offers',
      '/api/v1/rewards/schemes',
      '/api/v1/rewards/charities',
      '/api/v1/rewards/redemptions',
      '/api/v1/rewards/donations',
      '/api/v1/vouchers/public-key',
      '/api/v1/vouchers/verify',
      '/api/v1/vouchers/{code}/use',
      '/api/v1/admin/reports/donations',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { SessionService } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { PrismaProfileStore } from '../../libs/profile/src/infrastructure/prisma-profile.store.js';
import { RewardsQueries } from '../../libs/rewards/src/infrastructure/rewards.queries.js';
import { issueSessions } from '../support/admin-reads.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connectionEvent, drained, givenOffer, publish } from '../rewards/rewards-fixtures.js';

/**
 * The hot reads (bearer-token lookup, profile, ledger balance, offer pages) of requests that
 * arrive together go to PostgreSQL as one statement (`tickBatcher`). These tests show the
 * batching happens, and that it changes nothing a caller can see: each gets its own row,
 * a token ended a moment ago is refused, and a batched page equals the page read alone.
 */
describe('batched hot reads', () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({ REWARDS_POINTS_PER_CONNECTION_CITIZEN: '10' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await drained(t);
    await t.close();
  });
  // Every statement sent straight to the pool (PrismaService.rows) while a test runs; the
  // statements still run, this only notes them.
  let sent: Array<{ text: string; values: unknown[] }> = [];
  beforeEach(() => {
    sent = [];
    const original = PrismaService.prototype.rows;
    prisma.rows = function (this: PrismaService, text: string, values: unknown[]) {
      sent.push({ text, values });
      return original.call(this, text, values);
    } as PrismaService['rows'];
  });
  afterEach(() => {
    delete (prisma as Partial<PrismaService>).rows; // back to the prototype's
  });

  /** Counts the statements matching `sql` sent from now on. */
  const countStatements = (sql: RegExp) => {
    const from = sent.length;
    return () => sent.slice(from).filter((s) => sql.test(s.text)).length;
  };

  it('looks up the tokens of concurrent callers in one statement, each answered with its own session', async () => {
    const accounts = await issueSessions(t, 'citizen', 8);
    const [ended, ...live] = accounts;
    expect((await api(t, 'POST', '/auth/logout', { token: ended!.accessToken })).status).toBe(204);
    const statements = countStatements(/FROM iam_session s JOIN iam_account a/);

    const sessions = t.app.get(SessionService);
    const results = await Promise.allSettled([
      ...accounts.map((a) => sessions.authenticate(a.accessToken)),
      sessions.authenticate('hba_unknown'),
    ]);

    expect(statements()).toBe(1);
    const seen = results.map((r) =>
      r.status === 'fulfilled' ? r.value.id : (r.reason as { code: string }).code,
    );
    expect(seen).toEqual(['TOKEN_INVALID', ...live.map((a) => a.accountId), 'TOKEN_INVALID']);
  });

  it('refuses a token in the same burst as the logout that ended it, once the logout has answered', async () => {
    const [a, b] = await issueSessions(t, 'citizen', 2);
    expect((await api(t, 'POST', '/auth/logout', { token: a!.accessToken })).status).toBe(204);
    const burst = await Promise.all([a, b, a, b].map((s) => api(t, 'GET', '/me', { token: s!.accessToken })));
    expect(burst.map((r) => r.status)).toEqual([401, 200, 401, 200]);
    expect(burst[1]!.body.account.id).toBe(b!.accountId);
  });

  it('answers a burst of GET /me and GET /rewards/balance with each caller’s own profile and balance', async () => {
    const citizens = await issueSessions(t, 'citizen', 6);
    // Citizen i earns i connections' worth of points through the real event path.
    await publish(
      t,
      ...citizens.flatMap((c, i) =>
        Array.from({ length: i }, () =>
          connectionEvent({ citizenId: c.accountId, officerId: randomUUID(), zip: null }),
        ),
      ),
    );
    const rewards = t.app.get(RewardsApi);
    await eventually(
      () => Promise.all(citizens.map((c) => rewards.getBalance(c.accountId))),
      (balances) => balances.every((b, i) => b === i * 10),
      { what: 'points of every citizen' },
    );
    await eventually(
      () => Promise.all(citizens.map((c) => api(t, 'GET', '/me', { token: c.accessToken }))),
      (answers) => answers.every((r, i) => r.body.profile?.pointsBalance === i * 10),
      { what: 'projected balances' },
    );

    const [me, balance] = await Promise.all([
      Promise.all(citizens.map((c) => api(t, 'GET', '/me', { token: c.accessToken }))),
      Promise.all(citizens.map((c) => api(t, 'GET', '/rewards/balance', { token: c.accessToken }))),
    ]);
    expect(
      me.map((r) => [r.status, r.body.account.id, r.body.profile.id, r.body.profile.pointsBalance]),
    ).toEqual(citizens.map((c, i) => [200, c.accountId, c.accountId, i * 10]));
    expect(balance.map((r) => [r.status, r.body.balance])).toEqual(citizens.map((_c, i) => [200, i * 10]));
  });

  it('reads concurrent profiles and balances in one statement each, unknown ids answered with nothing', async () => {
    const citizens = await issueSessions(t, 'citizen', 3);
    const store = t.app.get(PrismaProfileStore);
    await Promise.all(citizens.map((c) => store.ensure(prisma, c.accountId, 'citizen')));
    const profiles = countStatements(/FROM profile_profile p WHERE p\.id = ANY/);
    const balances = countStatements(/FROM unnest\(\$1::uuid\[\]\) AS a\(id\)/);
    const ids = [...citizens.map((c) => c.accountId), randomUUID()];

    const [found, points] = await Promise.all([
      Promise.all(ids.map((id) => store.find(prisma, id))),
      Promise.all(ids.map((id) => t.app.get(RewardsApi).getBalance(id))),
    ]);

    expect(found.map((p) => p?.id ?? null)).toEqual([...citizens.map((c) => c.accountId), null]);
    expect(points).toEqual([0, 0, 0, 0]);
    expect(profiles()).toBe(1);
    expect(balances()).toBe(1);
  });

  it('finds a public profile by its id in capitals too', async () => {
    const [viewer, subject] = await issueSessions(t, 'citizen', 2);
    await t.app.get(PrismaProfileStore).ensure(prisma, subject!.accountId, 'citizen');
    const res = await api(t, 'GET', `/profiles/${subject!.accountId.toUpperCase()}`, {
      token: viewer!.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(subject!.accountId);
  });

  it('answers offer pages asked for together exactly as when asked for one by one', async () => {
    const zipA = '31' + String(Math.floor(Math.random() * 1000)).padStart(3, '0');
    const zipB = '32' + String(Math.floor(Math.random() * 1000)).padStart(3, '0');
    for (const zips of [[zipA], [zipA], [zipB], [zipA, zipB], [zipA]]) await givenOffer(t, { zips });
    const [citizen] = await issueSessions(t, 'citizen', 1);
    const get = (q: string) => api(t, 'GET', `/rewards/offers?${q}`, { token: citizen!.accessToken });
    const first = await get(`zip=${zipA}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const queries = [
      `zip=${zipA}&limit=2`,
      `zip=${zipA}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      `zip=${zipB}&limit=50`,
      `zip=${zipA}&limit=2`,
      'limit=3',
    ];

    const alone: unknown[] = [];
    for (const q of queries) alone.push((await get(q)).body);
    const together = (await Promise.all(queries.map(get))).map((r) => r.body);

    expect(together).toEqual(alone);
    // The pages themselves: offers of zip A (3 of them, and those for everywhere) two by two.
    const zipAOffers =
      (alone[0] as { items: unknown[] }).items.length + (alone[1] as { items: unknown[] }).items.length;
    expect(zipAOffers).toBeGreaterThanOrEqual(4);
    expect(
      (alone[2] as { items: Array<{ zips: string[] }> }).items.every(
        (o) => o.zips.length === 0 || o.zips.includes(zipB),
      ),
    ).toBe(true);
  });

  it('pages by cursors whose titles hold array-literal characters (quotes, backslashes, commas, braces, NULL) alongside other pages', async () => {
    const zip = '34' + String(Math.floor(Math.random() * 1000)).padStart(3, '0');
    const rewards = t.app.get(RewardsApi);
    const retailerExternalId = `r-odd-${randomUUID().slice(0, 8)}`;
    await rewards.upsertRetailer({ externalId: retailerExternalId, name: 'Odd titles' });
    const titles = ['A "quoted" deal', 'B back\\slash', 'C comma, brace {x}', 'NULL', 'null', 'E plain'];
    for (const title of titles) {
      await rewards.upsertOffer({
        externalId: `o-odd-${randomUUID().slice(0, 8)}`,
        retailerExternalId,
        title,
        pointsCost: 10,
        discount: '5% off',
        validFrom: new Date(Date.now() - 86_400_000),
        validUntil: new Date(Date.now() + 86_400_000),
        maxRedemptions: null,
        zips: [zip],
      });
    }
    const [citizen] = await issueSessions(t, 'citizen', 1);
    const get = (q: string) => api(t, 'GET', `/rewards/offers?${q}`, { token: citizen!.accessToken });
    // Walk the ZIP's pages one offer at a time, every page read together with other pages.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `zip=${zip}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const [page, other, same] = await Promise.all([get(q), get('limit=2'), get(q)]);
      expect([page.status, other.status, same.status]).toEqual([200, 200, 200]);
      expect(same.body).toEqual(page.body);
      seen.push(
        ...page.body.items
          .filter((o: { zips: string[] }) => o.zips.includes(zip))
          .map((o: { title: string }) => o.title),
      );
      cursor = page.body.nextCursor;
    } while (cursor);
    // Every title once: no cursor skipped or repeated an offer.
    expect([...seen].sort()).toEqual([...titles].sort());
  });

  it('answers each public profile of a burst on its own: a malformed id is refused before the batch, an unknown one is 404, the rest 200', async () => {
    const [viewer, a, b] = await issueSessions(t, 'citizen', 3);
    const store = t.app.get(PrismaProfileStore);
    await Promise.all([a, b].map((s) => store.ensure(prisma, s!.accountId, 'citizen')));
    const ids = [
      a!.accountId,
      'not-a-uuid',
      randomUUID(),
      b!.accountId.toUpperCase(),
      '00000000-0000-0000-0000-000000000000',
    ];
    const answers = await Promise.all(
      ids.map((id) => api(t, 'GET', `/profiles/${id}`, { token: viewer!.accessToken })),
    );
    expect(answers.map((r) => [r.status, r.body.id ?? r.body.code])).toEqual([
      [200, a!.accountId],
      [400, 'VALIDATION_FAILED'],
      [404, 'PROFILE_NOT_FOUND'],
      [200, b!.accountId],
      [404, 'PROFILE_NOT_FOUND'],
    ]);
  });

  it('sends the offer pages of concurrent callers as one statement, same pages sharing a query row', async () => {
    const zip = '33' + String(Math.floor(Math.random() * 1000)).padStart(3, '0');
    await givenOffer(t, { zips: [zip] });
    const queries = t.app.get(RewardsQueries);
    const statements = countStatements(/CROSS JOIN LATERAL/);
    const pages = await Promise.all([
      queries.offers({ zip, limit: 5 }),
      queries.offers({ zip, limit: 5 }),
      queries.offers({ limit: 1 }),
    ]);
    expect(statements()).toBe(1);
    const { text, values } = sent.find((s) => /CROSS JOIN LATERAL/.test(s.text))!;
    expect(text).toMatch(/unnest\(\$2::text\[\]/);
    expect(values[1]).toBe(`{"${zip}",NULL}`); // two distinct pages were asked for
    expect(pages[0]).toEqual(pages[1]);
    expect(pages[0]!.items.some((o) => o.zips.includes(zip))).toBe(true);
    expect(pages[2]!.items).toHaveLength(1);
  });
});

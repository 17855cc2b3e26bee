import { randomUUID } from 'node:crypto';
import { ConnectionEstablished } from '@heyblue/connections';
import { AccountCreated } from '@heyblue/iam';
import { OutboxService, PrismaService, type IntegrationEvent } from '@heyblue/platform';
import { ProfileUpdated, TrophyAwarded } from '@heyblue/profile';
import { PointsDonated, PointsRedeemed } from '@heyblue/rewards';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { pointsEarnedEvent } from '../rewards/rewards-fixtures.js';

/**
 * Reports from a known event set, compared with values worked out by hand.
 * 2026-03-01 is a Sunday: its ISO week starts Monday 2026-02-23; 2026-03-02 starts the next.
 */
describe('admin reports', () => {
  let t: TestApp;
  let admin: SignedIn;
  const officer = randomUUID();
  const officer2 = randomUUID();
  const citizen1 = randomUUID();
  const citizen2 = randomUUID();
  const charityX = randomUUID();
  const charityY = randomUUID();

  async function publish(...events: IntegrationEvent<object>[]) {
    const outbox = t.app.get(OutboxService);
    await t.app.get(PrismaService).$transaction((tx) => outbox.publish(tx, ...events));
    outbox.kick();
  }
  const get = (path: string, headers: Record<string, string> = {}) =>
    api(t, 'GET', path, { token: admin.accessToken, headers });
  const connection = (officerId: string, citizenId: string, at: string, zip: string | null) =>
    new ConnectionEstablished(
      { connectionId: randomUUID(), officerId, citizenId, establishedAt: at, zip, cell: 'dr5r' },
      { occurredAt: at },
    );
  const earned = (accountId: string, points: number, at: string, zip: string | null) =>
    pointsEarnedEvent({ accountId, points, at, zip });

  beforeAll(async () => {
    t = await startTestApp({ REPORTING_ROLLUP_EVERY_MS: '200' });
    admin = await given.admin(t);
    await publish(
      new AccountCreated(
        { accountId: officer, role: 'officer', displayName: 'Officer One', precinct: '5th' },
        { occurredAt: '2026-03-01T10:00:00Z' },
      ),
      new AccountCreated(
        { accountId: officer2, role: 'officer', displayName: 'Officer Two', precinct: '=SUM(1)' },
        { occurredAt: '2026-04-20T10:00:00Z' },
      ),
      new AccountCreated(
        { accountId: citizen1, role: 'citizen', displayName: 'Ann', precinct: null },
        { occurredAt: '2026-03-01T11:00:00Z' },
      ),
      new AccountCreated(
        { accountId: citizen2, role: 'citizen', displayName: 'Bob', precinct: null },
        { occurredAt: '2026-03-09T00:30:00Z' },
      ),
      new ProfileUpdated({
        accountId: citizen1,
        changed: ['zip'],
        displayName: 'Ann',
        zip: '10001',
        shareConsent: true,
        updatedAt: '2026-03-01T12:00:00Z',
      }),
    );
    // Dimensions (precincts) must be known before the connections arrive.
    await eventually(
      () => t.app.get(PrismaService).reportingSubject.count({ where: { precinct: { not: null } } }),
      (n) => n === 2,
      { what: 'officer precincts' },
    );
    await publish(
      connection(officer, citizen1, '2026-03-01T23:59:59.999Z', '10001'),
      connection(officer, citizen1, '2026-03-02T00:00:00Z', '10001'),
      connection(officer, citizen2, '2026-03-15T08:00:00Z', '90210'),
      connection(officer, citizen2, '2026-04-01T00:00:00Z', null),
      connection(officer2, citizen2, '2026-05-01T12:00:00Z', '60601'),
      earned(citizen1, 10, '2026-03-01T23:59:59Z', '10001'),
      earned(officer, 20, '2026-03-02T00:00:00Z', '10001'),
      new PointsRedeemed({
        accountId: citizen1,
        points: 5,
        offerId: randomUUID(),
        retailerId: randomUUID(),
        voucherId: randomUUID(),
        balance: 5,
        ledgerSeq: '2',
        entryId: randomUUID(),
        redeemedAt: '2026-03-05T09:00:00Z',
      }),
      new PointsDonated({
        accountId: officer,
        donationId: randomUUID(),
        charityId: charityX,
        points: 7,
        balance: 13,
        ledgerSeq: '3',
        entryId: randomUUID(),
        donatedAt: '2026-03-06T09:00:00Z',
      }),
      new PointsDonated({
        accountId: officer,
        donationId: randomUUID(),
        charityId: charityY,
        points: 3,
        balance: 10,
        ledgerSeq: '4',
        entryId: randomUUID(),
        donatedAt: '2026-03-06T10:00:00Z',
      }),
      new TrophyAwarded({
        accountId: citizen1,
        code: 'first-connection',
        name: 'First connection',
        awardedAt: '2026-03-01T23:59:59Z',
      }),
    );
    // All facts in, rolled up: the May connection is the last one published.
    await eventually(
      () => get('/admin/reports/connections?from=2026-03-01&to=2026-05-31&groupBy=month'),
      (r) =>
        r.status === 200 && r.body.rows.reduce((s: number, x: { value: number }) => s + x.value, 0) === 5,
      {
        what: 'all connections rolled up',
        timeoutMs: 30_000,
      },
    );
    await eventually(
      () => get('/admin/reports/summary?from=2026-03-01&to=2026-03-31'),
      (r) =>
        r.status === 200 &&
        r.body.pointsDonated === 10 &&
        r.body.pointsRedeemed === 5 &&
        r.body.trophiesAwarded === 1,
      { what: 'donations rolled up' },
    );
  });
  afterAll(() => t.close());

  it('counts connections per ISO week, Sunday 23:59 and Monday 00:00 apart, empty weeks as 0', async () => {
    const r = await get('/admin/reports/connections?from=2026-03-01&to=2026-03-22&groupBy=week');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      metric: 'connections',
      from: '2026-03-01',
      to: '2026-03-22',
      groupBy: 'week',
      by: null,
    });
    expect(r.body.rows).toEqual([
      { period: '2026-02-23', key: 'all', value: 1 },
      { period: '2026-03-02', key: 'all', value: 1 },
      { period: '2026-03-09', key: 'all', value: 1 },
      { period: '2026-03-16', key: 'all', value: 0 },
    ]);
  });

  it('counts connections per month and per state, ZIP and precinct', async () => {
    expect(
      (await get('/admin/reports/connections?from=2026-03-01&to=2026-04-30&groupBy=month')).body.rows,
    ).toEqual([
      { period: '2026-03', key: 'all', value: 3 },
      { period: '2026-04', key: 'all', value: 1 },
    ]);
    expect(
      (await get('/admin/reports/connections?from=2026-03-01&to=2026-05-31&groupBy=month&by=state')).body
        .rows,
    ).toEqual([
      { period: '2026-03', key: 'CA', value: 1 },
      { period: '2026-03', key: 'NY', value: 2 },
      { period: '2026-05', key: 'IL', value: 1 },
    ]);
    expect(
      (await get('/admin/reports/connections?from=2026-03-01&to=2026-03-31&groupBy=month&by=zip')).body.rows,
    ).toEqual([
      { period: '2026-03', key: '10001', value: 2 },
      { period: '2026-03', key: '90210', value: 1 },
    ]);
    expect(
      (await get('/admin/reports/connections?from=2026-03-01&to=2026-04-30&groupBy=month&by=precinct')).body
        .rows,
    ).toEqual([
      { period: '2026-03', key: '5th', value: 3 },
      { period: '2026-04', key: '5th', value: 1 },
    ]);
  });

  it('sums points per day with an empty day, and sign-ups per month and ZIP', async () => {
    expect((await get('/admin/reports/points?from=2026-03-01&to=2026-03-03')).body.rows).toEqual([
      { period: '2026-03-01', key: 'all', value: 10 },
      { period: '2026-03-02', key: 'all', value: 20 },
      { period: '2026-03-03', key: 'all', value: 0 },
    ]);
    expect((await get('/admin/reports/users?from=2026-03-01&to=2026-04-30&groupBy=month')).body.rows).toEqual(
      [
        { period: '2026-03', key: 'all', value: 3 },
        { period: '2026-04', key: 'all', value: 1 },
      ],
    );
    const usersByZip = await eventually(
      () => get('/admin/reports/users?from=2026-03-01&to=2026-03-31&groupBy=month&by=zip'),
      (r) => r.body.rows.length === 1,
    );
    expect(usersByZip.body.rows).toEqual([{ period: '2026-03', key: '10001', value: 1 }]);
  });

  it('summarises KPIs over a range, counting each active person once', async () => {
    const march = await get('/admin/reports/summary?from=2026-03-01&to=2026-03-31');
    expect(march.body).toEqual({
      from: '2026-03-01',
      to: '2026-03-31',
      activeUsers: 3,
      newUsers: 3,
      connections: 3,
      pointsIssued: 30,
      pointsRedeemed: 5,
      pointsDonated: 10,
      trophiesAwarded: 1,
    });
    const mid = await get('/admin/reports/summary?from=2026-03-10&to=2026-03-20');
    expect(mid.body).toMatchObject({
      activeUsers: 2,
      newUsers: 0,
      connections: 1,
      pointsIssued: 0,
      pointsRedeemed: 0,
      pointsDonated: 0,
    });
    const empty = await get('/admin/reports/summary?from=2025-01-01&to=2025-01-31');
    expect(empty.body).toMatchObject({ activeUsers: 0, newUsers: 0, connections: 0 });
  });

  it('answers CSV for Accept: text/csv with formula-safe cells', async () => {
    const res = await fetch(
      `${t.url}/api/v1/admin/reports/connections?from=2026-05-01&to=2026-05-01&by=precinct`,
      {
        headers: { authorization: `Bearer ${admin.accessToken}`, accept: 'text/csv' },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(await res.text()).toBe("period,key,value\r\n2026-05-01,'=SUM(1),1\r\n");
  });

  it('rolls donated points up per charity (for the Rewards-served donations report to move here)', async () => {
    const rows = await t.app.get(PrismaService).reportingRollup.findMany({
      where: { metric: 'points_donated', dim: 'charity' },
      orderBy: { key: 'asc' },
    });
    expect(rows.map((r) => [r.key, Number(r.value)])).toEqual(
      [
        [charityX, 7],
        [charityY, 3],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('keeps facts de-identified: no account ids, names or e-mails', async () => {
    const facts = await t.app.get(PrismaService).reportingFact.findMany();
    const text = JSON.stringify(facts);
    for (const secret of [officer, citizen1, citizen2, 'Officer One', 'Ann', 'First connection'])
      expect(text).not.toContain(secret);
    expect(facts.length).toBeGreaterThan(10);
  });

  it('recomputes lost rollups of a range on demand', async () => {
    const prisma = t.app.get(PrismaService);
    await prisma.reportingRollup.deleteMany({
      where: { metric: 'connections', day: { gte: new Date('2026-03-01'), lte: new Date('2026-03-31') } },
    });
    expect(
      (await get('/admin/reports/connections?from=2026-03-01&to=2026-03-31&groupBy=month')).body.rows,
    ).toEqual([{ period: '2026-03', key: 'all', value: 0 }]);
    const res = await api(t, 'POST', '/admin/reports/rollups/refresh', {
      token: admin.accessToken,
      body: { from: '2026-03-01', to: '2026-03-31' },
    });
    expect(res).toMatchObject({
      status: 202,
      body: { from: '2026-03-01', to: '2026-03-31', status: 'scheduled' },
    });
    const back = await eventually(
      () => get('/admin/reports/connections?from=2026-03-01&to=2026-03-31&groupBy=month'),
      (r) => r.body.rows[0]?.value === 3,
      { what: 'rollups recomputed' },
    );
    expect(back.body.rows).toEqual([{ period: '2026-03', key: 'all', value: 3 }]);
    expect(
      (
        await api(t, 'POST', '/admin/reports/rollups/refresh', {
          token: admin.accessToken,
          body: { from: '2026-04-01', to: '2026-03-01' },
        })
      ).status,
    ).toBe(400);
  });

  it('refuses bad parameters with 400 and non-admins with 403', async () => {
    const bad = [
      '/admin/reports/connections?from=2026-03-10&to=2026-03-01',
      '/admin/reports/visits?from=2026-03-01&to=2026-03-02',
      '/admin/reports/connections?by=planet',
      '/admin/reports/points?by=charity',
      '/admin/reports/connections?groupBy=year',
      '/admin/reports/connections?from=2024-01-01&to=2026-01-02',
      '/admin/reports/connections?from=2026-02-30',
      '/admin/reports/summary?from=yesterday',
    ];
    for (const path of bad) {
      const r = await get(path);
      expect({ path, status: r.status, code: r.body.code }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    const twoYears = await get('/admin/reports/connections?from=2024-01-01&to=2025-12-31&groupBy=month');
    expect(twoYears.status).toBe(200);
    expect(twoYears.body.rows).toHaveLength(24);
    const citizen = await given.citizen(t);
    expect((await api(t, 'GET', '/admin/reports/summary', { token: citizen.accessToken })).status).toBe(403);
  });

  it('neutralises exported cells that begin with = + - @, ASCII or full-width (＝ ＋ － ＠)', async () => {
    const precincts = ['＝HYPERLINK("x")', '＋1', '－1', '＠SUM(A1)', '+1', '-1', '@x'];
    await publish(
      ...precincts.map(
        (precinct) =>
          new AccountCreated(
            { accountId: randomUUID(), role: 'officer', displayName: 'Officer', precinct },
            { occurredAt: '2026-07-01T10:00:00Z' },
          ),
      ),
    );
    const res = await eventually(
      () =>
        get('/admin/reports/users?from=2026-07-01&to=2026-07-01&groupBy=day&by=precinct', {
          accept: 'text/csv',
        }),
      (r) => r.status === 200 && String(r.body).trim().split('\r\n').length === 1 + precincts.length,
      { what: 'every precinct in the CSV' },
    );
    const { parse } = await import('csv-parse/sync');
    const keys = (parse(String(res.body)) as string[][]).slice(1).map((row) => row[1]);
    expect(keys.sort()).toEqual(precincts.map((p) => `'${p}`).sort());
  });
});

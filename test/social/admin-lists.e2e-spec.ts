import { randomUUID } from 'node:crypto';
import type { IssuedDevSession } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { ProfileUpdated } from '@heyblue/profile';
import { expectAdminOnly, expectInvalid, issueSessions } from '../support/admin-reads.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connectionEvent, publish } from '../rewards/rewards-fixtures.js';
import { FakePlatforms } from './fake-platforms.js';

/** GET /admin/social/posts and /admin/social/connections: the dashboard's Social lists. */
describe('admin social lists', () => {
  const fake = new FakePlatforms();
  let t: TestApp;
  let admin: SignedIn;
  let citizen: IssuedDevSession;
  let officer: IssuedDevSession;

  const get = (path: string) => api(t, 'GET', path, { token: admin.accessToken });
  const consent = (accountId: string, shareConsent: boolean) =>
    new ProfileUpdated({
      accountId,
      changed: ['shareConsent'],
      displayName: 'X',
      zip: null,
      shareConsent,
      updatedAt: '2026-11-01T00:00:00Z',
    });

  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({ SOCIAL_WEBHOOK_URL: `${fake.url}/hook`, SOCIAL_WEBHOOK_SECRET: 'whsec-test' });
    [admin, [citizen], [officer]] = await Promise.all([
      given.admin(t),
      issueSessions(t, 'citizen'),
      issueSessions(t, 'officer'),
    ]);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('lists posts newest first, page by page, each exactly as GET /admin/social/posts/{id} shows it', async () => {
    const ids: string[] = [];
    for (const text of ['First story', 'Second story', 'Third story']) {
      const res = await api(t, 'POST', '/admin/social/posts', {
        token: admin.accessToken,
        body: { platforms: ['webhook'], text },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.postId);
    }
    const sent = await eventually(
      () => Promise.all(ids.map((id) => get(`/admin/social/posts/${id}`))),
      (all) => all.every((r) => r.body.platforms[0].status === 'sent'),
      { what: 'every post sent' },
    );

    const first = await get('/admin/social/posts?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([sent[2]!.body, sent[1]!.body]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(`/admin/social/posts?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: [sent[0]!.body], nextCursor: null });

    const audit = await get(`/admin/audit?action=social_posts_listed&actorId=${admin.accountId}`);
    expect(audit.body.items).toHaveLength(2);
  });

  it('lists only connections both people consented to share, newest first', async () => {
    const people = Array.from({ length: 8 }, () => randomUUID());
    const [o1, c1, o2, c2, o3, c3, o4, c4] = people as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 12));
    const older = connectionEvent({ officerId: o1, citizenId: c1, at: day(1) });
    const newer = connectionEvent({ officerId: o2, citizenId: c2, at: day(3) });
    const citizenSaidNo = connectionEvent({ officerId: o3, citizenId: c3, at: day(4) });
    const nobodyAsked = connectionEvent({ officerId: o4, citizenId: c4, at: day(5) });
    await publish(
      t,
      older,
      newer,
      citizenSaidNo,
      nobodyAsked,
      ...[o1, c1, o2, c2, o3].map((id) => consent(id, true)),
      consent(c3, false),
    );
    const prisma = t.app.get(PrismaService);
    await eventually(
      async () => (await prisma.socialConnection.count()) + (await prisma.socialConsent.count()),
      (n) => n === 4 + 6,
      { what: 'connections and consents projected' },
    );

    const first = await get('/admin/social/connections?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      {
        connectionId: newer.payload.connectionId,
        officerId: o2,
        citizenId: c2,
        establishedAt: day(3).toISOString(),
      },
    ]);
    const second = await get(`/admin/social/connections?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({
      items: [
        {
          connectionId: older.payload.connectionId,
          officerId: o1,
          citizenId: c1,
          establishedAt: day(1).toISOString(),
        },
      ],
      nextCursor: null,
    });
    expect((await get('/admin/social/connections')).body).toEqual({
      items: [first.body.items[0], second.body.items[0]],
      nextCursor: null,
    });
    expect(
      (await get(`/admin/audit?action=social_connections_listed&actorId=${admin.accountId}`)).body.items,
    ).toHaveLength(3);
  });

  it('refuses a bad limit, cursor or parameter with 400 VALIDATION_FAILED', async () => {
    const wrongArity = Buffer.from(JSON.stringify(['2026-11-01T00:00:00.000Z'])).toString('base64url');
    const notAUuid = Buffer.from(JSON.stringify(['2026-11-01T00:00:00.000Z', 'x'])).toString('base64url');
    const notADate = Buffer.from(JSON.stringify(['yesterday', randomUUID()])).toString('base64url');
    for (const list of ['posts', 'connections']) {
      for (const limit of ['0', '101', 'abc'])
        expectInvalid(await get(`/admin/social/${list}?limit=${limit}`), 'limit');
      for (const cursor of ['%%%', wrongArity, notAUuid, notADate])
        expectInvalid(await get(`/admin/social/${list}?cursor=${cursor}`), 'cursor');
      expectInvalid(await get(`/admin/social/${list}?platform=x`), 'platform');
    }
  });

  it('is for admins only', async () => {
    await expectAdminOnly(t, '/admin/social/posts', { citizen, officer });
    await expectAdminOnly(t, '/admin/social/connections', { citizen, officer });
  });
});

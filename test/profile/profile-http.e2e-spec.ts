import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connectionEvent, publish, drained } from '../rewards/rewards-fixtures.js';

describe('profile over HTTP', () => {
  let t: TestApp;
  let citizen: SignedIn;
  let officer: SignedIn;

  beforeAll(async () => {
    t = await startTestApp({
      REWARDS_POINTS_PER_CONNECTION_CITIZEN: '10',
      REWARDS_POINTS_PER_CONNECTION_OFFICER: '5',
    });
    [citizen, officer] = await Promise.all([given.citizen(t), given.officer(t)]);
  });
  afterAll(async () => {
    await drained(t);
    await t.close();
  });

  it('answers GET /me right after sign-in with the masked phone and a default profile', async () => {
    const fresh = await given.citizen(t);
    const res = await api(t, 'GET', '/me', { token: fresh.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.account).toEqual({
      id: fresh.accountId,
      role: 'citizen',
      phone: expect.stringMatching(/^\+1\*+\d{4}$/),
    });
    expect(res.body.account.phone.endsWith(fresh.phone.slice(-4))).toBe(true);
    expect(res.body.profile).toEqual({
      id: fresh.accountId,
      displayName: expect.any(String),
      bio: null,
      avatarUrl: null,
      zip: null,
      role: 'citizen',
      precinct: null,
      pointsBalance: 0,
      connectionsCount: 0,
      trophies: [],
      shareConsent: false,
    });
  });

  it('projects AccountCreated for officers (role and roster precinct)', async () => {
    const p = await eventually(
      () => api(t, 'GET', '/me', { token: officer.accessToken }),
      (r) => r.body.profile?.precinct === '1st',
      { what: 'officer precinct' },
    );
    expect(p.body.profile.role).toBe('officer');
    expect(p.body.account.role).toBe('officer');
  });

  it('refuses GET /me without a token (401)', async () => {
    expect((await api(t, 'GET', '/me')).status).toBe(401);
  });

  it('updates my profile and publishes ProfileUpdated', async () => {
    const res = await api(t, 'PATCH', '/me/profile', {
      token: citizen.accessToken,
      body: {
        displayName: '  Sam Rivera ',
        bio: 'Neighbourhood watch',
        avatarUrl: 'https://img.example/sam.png',
        zip: '10001',
        shareConsent: true,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      displayName: 'Sam Rivera',
      bio: 'Neighbourhood watch',
      avatarUrl: 'https://img.example/sam.png',
      zip: '10001',
      shareConsent: true,
    });
    const cleared = await api(t, 'PATCH', '/me/profile', { token: citizen.accessToken, body: { bio: null } });
    expect(cleared.body).toMatchObject({ bio: null, displayName: 'Sam Rivera' });
    const events = await t.app.get(PrismaService).outboxEvent.findMany({ where: { type: 'ProfileUpdated' } });
    const mine = events
      .map((e) => e.payload as { accountId: string; changed: string[] })
      .filter((p) => p.accountId === citizen.accountId);
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          changed: expect.arrayContaining(['displayName', 'zip', 'shareConsent']),
          zip: '10001',
        }),
        expect.objectContaining({ changed: ['bio'] }),
      ]),
    );
  });

  it('publishes ProfileUpdated only for fields that really changed: a repeat or an empty PATCH answers the profile and publishes nothing', async () => {
    const me = await given.citizen(t);
    const outbox = t.app.get(PrismaService).outboxEvent;
    const mine = async () =>
      (await outbox.findMany({ where: { type: 'ProfileUpdated' }, orderBy: { seq: 'asc' } }))
        .map((e) => e.payload as { accountId: string; changed: string[] })
        .filter((p) => p.accountId === me.accountId)
        .map((p) => p.changed);
    const body = { displayName: 'Pat Lee', zip: '10001' };
    const first = await api(t, 'PATCH', '/me/profile', { token: me.accessToken, body });
    expect(first.status).toBe(200);
    const repeat = await api(t, 'PATCH', '/me/profile', { token: me.accessToken, body });
    expect(repeat.body).toEqual(first.body);
    const empty = await api(t, 'PATCH', '/me/profile', { token: me.accessToken, body: {} });
    expect(empty.body).toEqual(first.body);
    await api(t, 'PATCH', '/me/profile', { token: me.accessToken, body: { ...body, bio: 'Hi' } });
    expect(await mine()).toEqual([['displayName', 'zip'], ['bio']]);
  });

  it('keeps one profile holding one of the edits when a fresh account sends several at once', async () => {
    const me = await given.citizen(t);
    const zips = ['10001', '10002', '10003', '10004'];
    const answers = await Promise.all(
      zips.map((zip) => api(t, 'PATCH', '/me/profile', { token: me.accessToken, body: { zip } })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const now = (await api(t, 'GET', '/me', { token: me.accessToken })).body.profile;
    expect(zips).toContain(now.zip);
    expect(await t.app.get(PrismaService).profile.count({ where: { id: me.accountId } })).toBe(1);
  });

  it('refuses every profile route without a token (401) and a suspended account (403)', async () => {
    expect((await api(t, 'PATCH', '/me/profile', { body: { bio: 'x' } })).status).toBe(401);
    expect((await api(t, 'GET', `/profiles/${officer.accountId}`)).status).toBe(401);
    const admin = await given.admin(t);
    const gone = await given.citizen(t);
    expect(
      (await api(t, 'POST', `/admin/accounts/${gone.accountId}/suspend`, { token: admin.accessToken }))
        .status,
    ).toBe(200);
    for (const [method, path] of [
      ['GET', '/me'],
      ['PATCH', '/me/profile'],
      ['GET', `/profiles/${officer.accountId}`],
    ] as const) {
      const res = await api(t, method, path, {
        token: gone.accessToken,
        body: method === 'PATCH' ? { bio: 'x' } : undefined,
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ACCOUNT_SUSPENDED');
    }
  });

  it('refuses a PATCH body that is not a JSON object (400)', async () => {
    for (const body of [['displayName', 'x'], 'Sam', 42]) {
      const res = await api(t, 'PATCH', '/me/profile', { token: citizen.accessToken, body });
      expect(res.status).toBe(400);
    }
  });

  it.each([
    ['a display name of 1 character', { displayName: 'A' }, 'displayName'],
    ['a display name of 41 characters', { displayName: 'x'.repeat(41) }, 'displayName'],
    ['a null display name', { displayName: null }, 'displayName'],
    ['a bio of 281 characters', { bio: 'b'.repeat(281) }, 'bio'],
    ['an http avatar URL', { avatarUrl: 'http://img.example/a.png' }, 'avatarUrl'],
    ['a javascript: avatar URL', { avatarUrl: 'javascript:alert(1)' }, 'avatarUrl'],
    ['a 4-digit ZIP', { zip: '1234' }, 'zip'],
    ['a ZIP+4', { zip: '10001-1234' }, 'zip'],
    ['a non-boolean shareConsent', { shareConsent: 'yes' }, 'shareConsent'],
    ['an unknown field', { pointsBalance: 1_000_000 }, 'pointsBalance'],
  ])('refuses %s (400) and changes nothing', async (_what, body, field) => {
    const before = (await api(t, 'GET', '/me', { token: citizen.accessToken })).body.profile;
    const res = await api(t, 'PATCH', '/me/profile', { token: citizen.accessToken, body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect((await api(t, 'GET', '/me', { token: citizen.accessToken })).body.profile).toEqual(before);
  });

  it('shows only the public view of someone else, 404 for unknown ids and 400 for ids that are not UUIDs', async () => {
    await api(t, 'PATCH', '/me/profile', {
      token: officer.accessToken,
      body: { bio: 'Private-ish bio', zip: '60601' },
    });
    const res = await api(t, 'GET', `/profiles/${officer.accountId}`, { token: citizen.accessToken });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'avatarUrl',
      'connectionsCount',
      'displayName',
      'id',
      'role',
      'trophies',
    ]);
    expect(res.body).toMatchObject({ id: officer.accountId, role: 'officer' });
    expect((await api(t, 'GET', `/profiles/${randomUUID()}`, { token: citizen.accessToken })).status).toBe(
      404,
    );
    const malformed = await api(t, 'GET', '/profiles/not-a-uuid', { token: citizen.accessToken });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [expect.objectContaining({ field: 'id' })],
    });
  });

  it('converges pointsBalance, connectionsCount and trophies from events', async () => {
    const me = await given.citizen(t);
    const events = ['10001', '10002', '10003'].map((zip) =>
      connectionEvent({ citizenId: me.accountId, officerId: officer.accountId, zip }),
    );
    await publish(t, ...events);
    const res = await eventually(
      () => api(t, 'GET', '/me', { token: me.accessToken }),
      (r) =>
        r.body.profile.pointsBalance === 30 &&
        r.body.profile.connectionsCount === 3 &&
        r.body.profile.trophies.length === 2,
      { what: 'projected profile' },
    );
    expect(res.body.profile.trophies).toEqual(
      expect.arrayContaining([
        { code: 'FIRST_CONNECTION', name: 'First connection', awardedAt: expect.any(String) },
        { code: 'THREE_ZIPS', name: 'Connected in 3 different ZIPs', awardedAt: expect.any(String) },
      ]),
    );
    // Oldest first, with the stored award times to the millisecond.
    const stored = await t.app.get(PrismaService).profileTrophy.findMany({
      where: { accountId: me.accountId },
      orderBy: [{ awardedAt: 'asc' }, { code: 'asc' }],
    });
    expect(
      res.body.profile.trophies.map((x: { code: string; awardedAt: string }) => [x.code, x.awardedAt]),
    ).toEqual(stored.map((x) => [x.code, x.awardedAt.toISOString()]));
    const balance = await api(t, 'GET', '/rewards/balance', { token: me.accessToken });
    expect(balance.body.balance).toBe(res.body.profile.pointsBalance);
    const publicView = await api(t, 'GET', `/profiles/${me.accountId}`, { token: officer.accessToken });
    expect(publicView.body).toMatchObject({
      connectionsCount: 3,
      trophies: expect.arrayContaining([expect.objectContaining({ code: 'THREE_ZIPS' })]),
    });
  });

  it("pushes trophy.awarded to the account's socket", async () => {
    const me = await given.citizen(t);
    const socket = io(`${t.url}/connections`, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token: me.accessToken },
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const notice = new Promise<unknown>((resolve) => socket.once('trophy.awarded', resolve));
      await publish(
        t,
        connectionEvent({ citizenId: me.accountId, officerId: officer.accountId, zip: '10001' }),
      );
      expect(await notice).toEqual({
        code: 'FIRST_CONNECTION',
        name: 'First connection',
        awardedAt: expect.any(String),
      });
    } finally {
      socket.close();
    }
  });

  it('documents the profile routes in OpenAPI', async () => {
    const doc = (await fetch(`${t.url}/api/docs-json`).then((r) => r.json())) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.paths['/api/v1/me']?.get).toBeDefined();
    expect(doc.paths['/api/v1/me/profile']?.patch).toBeDefined();
    expect(doc.paths['/api/v1/profiles/{id}']?.get).toBeDefined();
  });
});

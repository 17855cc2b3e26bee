import { createHmac, randomUUID } from 'node:crypto';
import { ConnectionEstablished } from '@heyblue/connections';
import {
  OutboxService,
  PrismaService,
  QueueFactory,
  STALLED_TOO_OFTEN,
  type IntegrationEvent,
} from '@heyblue/platform';
import { ProfileUpdated } from '@heyblue/profile';
import { startTestApp, type TestApp } from '../support/app.js';
import { stallUntilGivenUp } from '../support/bull-stall.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { FakePlatforms } from './fake-platforms.js';

const WEBHOOK_SECRET = 'whsec-test';

/** Social posting against local fakes of Mastodon, X, the Graph API and a webhook receiver. */
describe('admin social posts', () => {
  const fake = new FakePlatforms();
  let t: TestApp;
  let admin: SignedIn;

  const post = (body: unknown) => api(t, 'POST', '/admin/social/posts', { token: admin.accessToken, body });
  const status = (id: string) => api(t, 'GET', `/admin/social/posts/${id}`, { token: admin.accessToken });
  const settled = (id: string, expected: Record<string, string>) =>
    eventually(
      () => status(id),
      (r) =>
        r.status === 200 &&
        r.body.platforms.every(
          (p: { platform: string; status: string }) => p.status === expected[p.platform],
        ),
      { what: `post ${id} settled as ${JSON.stringify(expected)}`, timeoutMs: 30_000 },
    );
  async function publish(...events: IntegrationEvent<object>[]) {
    const outbox = t.app.get(OutboxService);
    await t.app.get(PrismaService).$transaction((tx) => outbox.publish(tx, ...events));
    outbox.kick();
  }

  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      MASTODON_BASE_URL: `${fake.url}/mastodon`,
      MASTODON_ACCESS_TOKEN: FakePlatforms.tokens.mastodon,
      X_API_BASE_URL: `${fake.url}/x`,
      X_ACCESS_TOKEN: FakePlatforms.tokens.x,
      FACEBOOK_GRAPH_BASE_URL: `${fake.url}/fb`,
      FACEBOOK_PAGE_ID: '4242',
      FACEBOOK_PAGE_ACCESS_TOKEN: FakePlatforms.tokens.facebook,
      SOCIAL_WEBHOOK_URL: `${fake.url}/hook`,
      SOCIAL_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SOCIAL_MAX_ATTEMPTS: '3',
      SOCIAL_BACKOFF_MS: '100',
      SOCIAL_TIMEOUT_MS: '2000',
    });
    admin = await given.admin(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('publishes to every platform with each API’s request shape and auth header', async () => {
    const text = 'Coffee with Officer Diaz on Main St ☕ — thanks, neighbours!';
    const res = await post({ platforms: ['mastodon', 'x', 'facebook', 'webhook'], text });
    expect(res.status).toBe(202);
    const done = await settled(res.body.postId, {
      mastodon: 'sent',
      x: 'sent',
      facebook: 'sent',
      webhook: 'sent',
    });
    for (const p of done.body.platforms) expect(p).toMatchObject({ attempts: 1, lastError: null });
    expect(done.body.platforms.find((p: { platform: string }) => p.platform === 'x').externalId).toMatch(
      /^x-/,
    );

    const masto = fake.to('/mastodon').at(-1)!;
    expect(masto.headers['idempotency-key']).toBe(res.body.postId);
    expect(JSON.parse(masto.body)).toEqual({ status: text, visibility: 'public' });
    expect(JSON.parse(fake.to('/x').at(-1)!.body)).toEqual({ text });
    const fb = fake.to('/fb').at(-1)!;
    expect(fb.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(fb.body).get('message')).toBe(text);
    const hook = fake.to('/hook').at(-1)!;
    expect(JSON.parse(hook.body)).toMatchObject({ postId: res.body.postId, text });
    expect(hook.headers['x-heyblue-signature']).toBe(
      `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(hook.body).digest('hex')}`,
    );
    const audit = await t.app
      .get(PrismaService)
      .iamAuditEntry.findFirst({ where: { action: 'social_post_created', targetId: res.body.postId } });
    expect(audit?.actorId).toBe(admin.accountId);
  });

  it('checks text length per platform before queuing', async () => {
    const long = 'a'.repeat(281);
    const refused = await post({ platforms: ['mastodon', 'x'], text: long });
    expect(refused).toMatchObject({
      status: 422,
      body: {
        code: 'TEXT_TOO_LONG',
        errors: [{ field: 'text', message: 'x allows at most 280 characters' }],
      },
    });
    expect((await post({ platforms: ['mastodon'], text: long })).status).toBe(202);
    expect((await post({ platforms: ['x'], text: '👮'.repeat(280) })).status).toBe(202);
  });

  it('refuses a post about a connection unless both accounts share consent', async () => {
    const officerId = randomUUID();
    const citizenId = randomUUID();
    const connectionId = randomUUID();
    const consent = (accountId: string, shareConsent: boolean, updatedAt: string) =>
      new ProfileUpdated({
        accountId,
        changed: ['shareConsent'],
        displayName: 'X',
        zip: null,
        shareConsent,
        updatedAt,
      });
    await publish(
      new ConnectionEstablished({
        connectionId,
        officerId,
        citizenId,
        establishedAt: new Date().toISOString(),
        zip: '10001',
        cell: 'dr5r',
      }),
      consent(officerId, true, '2026-11-01T00:00:00Z'),
      consent(citizenId, false, '2026-11-01T00:00:00Z'),
    );
    const body = { platforms: ['webhook'], text: 'A great conversation today', connectionId };
    const prisma = t.app.get(PrismaService);
    await eventually(
      async () =>
        (await prisma.socialConsent.count({ where: { accountId: { in: [officerId, citizenId] } } })) +
        (await prisma.socialConnection.count({ where: { connectionId } })),
      (n) => n === 3,
      { what: 'connection and consents projected' },
    );
    expect(await post(body)).toMatchObject({ status: 422, body: { code: 'CONSENT_REQUIRED' } });
    // An older update arriving late does not override the newer one.
    await publish(
      consent(citizenId, true, '2026-11-02T00:00:00Z'),
      consent(citizenId, false, '2026-10-01T00:00:00Z'),
    );
    const ok = await eventually(
      () => post(body),
      (r) => r.status === 202,
      { what: 'post accepted once both consent' },
    );
    await settled(ok.body.postId, { webhook: 'sent' });
    const unknown = await post({ ...body, connectionId: randomUUID() });
    expect(unknown).toMatchObject({ status: 422, body: { code: 'CONSENT_REQUIRED' } });
  });

  it('rides out an outage: retries with backoff until the platform recovers', async () => {
    fake.fail('/mastodon', 503, 4);
    const res = await post({ platforms: ['mastodon'], text: 'Outage then recovery' });
    const done = await settled(res.body.postId, { mastodon: 'sent' });
    expect(done.body.platforms[0].attempts).toBeGreaterThanOrEqual(2);
    expect(
      fake.to('/mastodon').filter((r) => JSON.parse(r.body).status === 'Outage then recovery').length,
    ).toBe(5);
  });

  it('dead-letters a delivery after the last attempt and replays it from the admin endpoint', async () => {
    fake.fail('/hook', 500, -1);
    const res = await post({ platforms: ['webhook'], text: 'Will be dead-lettered' });
    const dead = await settled(res.body.postId, { webhook: 'dead' });
    // The last attempts may meet the open circuit breaker rather than the 500 itself.
    expect(dead.body.platforms[0]).toMatchObject({
      attempts: 3,
      lastError: expect.stringMatching(/HTTP 500|circuit/i),
    });
    const letters = await api(t, 'GET', '/admin/dead-letters?pending=true', { token: admin.accessToken });
    const letter = letters.body.items.find(
      (d: { source: string; target: string }) => d.source === 'social' && d.target === 'webhook',
    );
    expect(letter).toMatchObject({ attempts: 3 });
    fake.clear('/hook');
    const replay = await api(t, 'POST', `/admin/dead-letters/${letter.id}/replay`, {
      token: admin.accessToken,
    });
    expect(replay.status).toBe(202);
    const sent = await settled(res.body.postId, { webhook: 'sent' });
    expect(sent.body.platforms[0].attempts).toBeGreaterThanOrEqual(4);
  });

  it('dead-letters a delivery whose workers kept stalling, and replays it from the admin endpoint', async () => {
    let postId = '';
    await stallUntilGivenUp(t.app.get(QueueFactory).get('social.deliveries'), t.testEnv.env, async () => {
      const res = await post({ platforms: ['webhook'], text: 'Its worker keeps dying' });
      expect(res.status).toBe(202);
      postId = res.body.postId;
    });
    const dead = await settled(postId, { webhook: 'dead' });
    expect(dead.body.platforms[0].lastError).toContain(STALLED_TOO_OFTEN);
    const letters = await api(t, 'GET', '/admin/dead-letters?pending=true', { token: admin.accessToken });
    const letter = letters.body.items.find(
      (d: { source: string; target: string; error: string }) =>
        d.source === 'social' && d.target === 'webhook' && d.error.includes(STALLED_TOO_OFTEN),
    );
    expect(letter).toBeDefined();
    expect(
      (await api(t, 'POST', `/admin/dead-letters/${letter.id}/replay`, { token: admin.accessToken })).status,
    ).toBe(202);
    await settled(postId, { webhook: 'sent' });
    expect(fake.to('/hook').filter((r) => JSON.parse(r.body).text === 'Its worker keeps dying')).toHaveLength(
      1,
    );
  });

  it('dead-letters at once when a platform refuses the credentials', async () => {
    fake.fail('/x', 401, 1);
    const res = await post({ platforms: ['x'], text: 'Bad credentials' });
    const dead = await settled(res.body.postId, { x: 'dead' });
    expect(dead.body.platforms[0]).toMatchObject({
      attempts: 1,
      lastError: expect.stringContaining('HTTP 401'),
    });
  });

  it('validates input, answers 404 for unknown posts and 403 for non-admins', async () => {
    expect((await post({ platforms: ['myspace'], text: 'x' })).status).toBe(400);
    expect((await post({ platforms: [], text: 'x' })).status).toBe(400);
    expect((await post({ platforms: ['x'], text: '   ' })).status).toBe(400);
    expect((await post({ platforms: ['x'], text: 'x', extra: 1 })).status).toBe(400);
    expect((await status(randomUUID())).body.code).toBe('POST_NOT_FOUND');
    const citizen = await given.citizen(t);
    expect(
      (
        await api(t, 'POST', '/admin/social/posts', {
          token: citizen.accessToken,
          body: { platforms: ['x'], text: 'x' },
        })
      ).status,
    ).toBe(403);
  });

  it('lists every platform as available when configured', async () => {
    const res = await api(t, 'GET', '/admin/social/platforms', { token: admin.accessToken });
    expect(res.body).toEqual([
      { id: 'mastodon', available: true, maxLength: 500 },
      { id: 'x', available: true, maxLength: 280 },
      { id: 'facebook', available: true, maxLength: 63206 },
      { id: 'webhook', available: true, maxLength: 10000 },
    ]);
  });
});

describe('social without platform credentials, and quotes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lists unconfigured platforms as unavailable and refuses posts to them', async () => {
    const admin = await given.admin(t);
    const list = await api(t, 'GET', '/admin/social/platforms', { token: admin.accessToken });
    expect(list.body.every((p: { available: boolean }) => p.available === false)).toBe(true);
    const res = await api(t, 'POST', '/admin/social/posts', {
      token: admin.accessToken,
      body: { platforms: ['mastodon', 'webhook'], text: 'hello' },
    });
    expect(res).toMatchObject({ status: 422, body: { code: 'PLATFORM_UNAVAILABLE' } });
  });

  it('serves random quotes from at least 30 seeded entries, without sign-in', async () => {
    expect(await t.app.get(PrismaService).socialQuote.count()).toBeGreaterThanOrEqual(30);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = await api(t, 'GET', '/quotes/random');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ text: expect.any(String), author: expect.any(String) });
      seen.add(r.body.text);
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

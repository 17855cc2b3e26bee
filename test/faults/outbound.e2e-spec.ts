import { FakeTwilio } from '../iam/support/fake-twilio.js';
import { FakePlatforms } from '../social/fake-platforms.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DevSessionsService, type IssuedDevSession } from '@heyblue/iam';
import { api, oidcSignIn, randomPhone } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * Outbound outages at the network level: Twilio Verify and the social webhook receiver stop
 * accepting connections (the HTTP-level outages — 5xx, hangs — are in test/iam/twilio and
 * test/social/social). Breakers open, a delivery is dead-lettered, and replay works after recovery.
 */
describe('faults: Twilio and the social webhook unreachable', () => {
  const twilio = new FakeTwilio();
  const platforms = new FakePlatforms();
  let twilioProxy: TcpProxy;
  let hookProxy: TcpProxy;
  let t: TestApp;
  let admin: IssuedDevSession;
  /** The breaker's gauge: 0 closed, 1 open, 2 half-open (which only follows open). */
  const breakerState = async (adapter: string) =>
    Number(
      new RegExp(`heyblue_circuit_breaker_state\\{adapter="${adapter}"\\} (\\d)`).exec(
        await (await fetch(`${t.url}/metrics`)).text(),
      )?.[1] ?? -1,
    );

  beforeAll(async () => {
    await twilio.start();
    await platforms.start();
    twilioProxy = await new TcpProxy('127.0.0.1', Number(new URL(twilio.url).port)).start();
    hookProxy = await new TcpProxy('127.0.0.1', Number(new URL(platforms.url).port)).start();
    t = await startTestApp({
      SMS_ADAPTER: 'twilio',
      TWILIO_ACCOUNT_SID: `AC${'a1'.repeat(16)}`,
      TWILIO_AUTH_TOKEN: 'twilio-test-auth-token-0123456789',
      TWILIO_VERIFY_SERVICE_SID: `VA${'b2'.repeat(16)}`,
      TWILIO_BASE_URL: `http://127.0.0.1:${twilioProxy.port}`,
      TWILIO_TIMEOUT_MS: '1000',
      TWILIO_BREAKER_HALF_OPEN_MS: '1500',
      // These tests send many codes through one registration to drive Twilio's outage; the
      // per-account send cap (5/h, test/iam/phone.e2e-spec.ts) is not what they test.
      RATE_LIMITS: 'iam-otp-account=1000/3600',
      SOCIAL_WEBHOOK_URL: `http://127.0.0.1:${hookProxy.port}/hook`,
      SOCIAL_WEBHOOK_SECRET: 'whsec-test',
      SOCIAL_MAX_ATTEMPTS: '3',
      SOCIAL_BACKOFF_MS: '100',
      SOCIAL_TIMEOUT_MS: '1000',
    });
    // Phone verification goes to the (soon cut) fake Twilio here, so the admin comes from the dev session issuer.
    [admin] = await t.app.get(DevSessionsService).issue('admin', 1);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([twilioProxy?.stop(), hookProxy?.stop()]);
    await twilio.close();
    await platforms.stop();
  });

  it('answers 503 SMS_UNAVAILABLE while Twilio refuses connections, opens the breaker, and sends again once Twilio is back', async () => {
    const cb = await oidcSignIn(t, `fault-${Math.random().toString(36).slice(2, 10)}`);
    expect(cb.body.status).toBe('phone_required');
    const registrationToken = cb.body.registrationToken as string;
    twilioProxy.cut();
    await eventually(
      async () => {
        const res = await api(t, 'POST', '/auth/phone/start', {
          body: { registrationToken, phone: randomPhone() },
        });
        expect(res).toMatchObject({ status: 503, body: { code: 'SMS_UNAVAILABLE' } });
        return breakerState('twilio-verify');
      },
      (state) => state === 1,
      { timeoutMs: 20_000, intervalMs: 0, what: 'the Twilio breaker open' },
    );
    twilioProxy.restore();
    const sent = await eventually(
      async () => {
        const phone = randomPhone();
        return {
          phone,
          res: await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone } }),
        };
      },
      ({ res }) => res.status === 202,
      { timeoutMs: 15_000, intervalMs: 250, what: 'Twilio reachable again through the half-open breaker' },
    );
    expect(twilio.codes.has(sent.phone)).toBe(true);
  });

  it('dead-letters webhook deliveries while the receiver refuses connections, and the admin replay delivers them after recovery', async () => {
    hookProxy.cut();
    // Two posts: 3 attempts each, so the breaker (5 failures in a row) opens during the second.
    const texts = ['Sent during an outage (1)', 'Sent during an outage (2)'];
    const postIds: string[] = [];
    for (const text of texts) {
      const created = await api(t, 'POST', '/admin/social/posts', {
        token: admin.accessToken,
        body: { platforms: ['webhook'], text },
      });
      expect(created.status).toBe(202);
      postIds.push(created.body.postId as string);
      const dead = await eventually(
        () => api(t, 'GET', `/admin/social/posts/${created.body.postId}`, { token: admin.accessToken }),
        (r) => r.body.platforms?.[0]?.status === 'dead',
        { timeoutMs: 30_000, what: `${text} dead-lettered` },
      );
      expect(dead.body.platforms[0]).toMatchObject({
        attempts: 3,
        lastError: expect.stringMatching(/network|circuit/i),
      });
    }
    // Open, or half-open (which only follows open) once its short half-open delay passed.
    expect([1, 2]).toContain(await breakerState('social.webhook'));
    expect(platforms.requests.filter((r) => r.body.includes('Sent during an outage'))).toEqual([]);
    const letters = await api(t, 'GET', '/admin/dead-letters?pending=true', { token: admin.accessToken });
    const mine = letters.body.items.filter(
      (d: { source: string; target: string }) => d.source === 'social' && d.target === 'webhook',
    );
    expect(mine).toHaveLength(2);

    hookProxy.restore();
    // A replayed delivery retries with backoff, so it gets through once the breaker lets calls through again.
    for (const letter of mine) {
      expect(
        (await api(t, 'POST', `/admin/dead-letters/${letter.id}/replay`, { token: admin.accessToken }))
          .status,
      ).toBe(202);
    }
    for (const postId of postIds) {
      await eventually(
        () => api(t, 'GET', `/admin/social/posts/${postId}`, { token: admin.accessToken }),
        (r) => r.body.platforms?.[0]?.status === 'sent',
        { timeoutMs: 30_000, what: `post ${postId} sent after the replay` },
      );
    }
    for (const text of texts)
      expect(platforms.requests.filter((r) => r.path === '/hook' && r.body.includes(text))).toHaveLength(1);
    const after = await api(t, 'GET', '/admin/dead-letters?pending=true', { token: admin.accessToken });
    expect(after.body.items.filter((d: { source: string }) => d.source === 'social')).toEqual([]);
  });
});

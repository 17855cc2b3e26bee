import type { Socket } from 'socket.io-client';
import { connect, offset, sendLocation, traffic, type Ack } from '../connections/socket-client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, pkcePair, randomIp, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { RedisProxy } from '../support/redis-proxy.js';

/** How long Redis stays unreachable. */
const CUT_MS = 10_000;

describe('faults: Redis cut and slowed under location traffic', () => {
  let proxy: RedisProxy;
  let t: TestApp;
  let officer: SignedIn;
  let citizen: SignedIn;
  const sockets: Socket[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const spot = { lat: 39.9526, lng: -75.1652 };

  beforeAll(async () => {
    proxy = await RedisProxy.start();
    t = await startTestApp({ ...proxy.env, CONNECTIONS_LOCATION_RATE_PER_S: '5' });
    [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    expect(
      (
        await api(t, 'POST', '/connections/availability', {
          token: officer.accessToken,
          body: { ...spot, zip: '19107' },
        })
      ).status,
    ).toBe(201);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    sockets.forEach((s) => s.close());
    proxy.restore();
    proxy.delay(0);
    await t?.close();
    await proxy?.stop();
  });

  it('answers TEMPORARILY_UNAVAILABLE instead of hanging while Redis is cut, goes unready, and resumes when it returns', async () => {
    const officerSocket = await connect(t, officer.accessToken);
    const citizenSocket = await connect(t, citizen.accessToken);
    sockets.push(officerSocket, citizenSocket);
    const officerTraffic = traffic(officerSocket, offset(spot, 5, 5));
    const citizenTraffic = traffic(citizenSocket, offset(spot, -30, 10));
    try {
      await eventually(
        () => citizenTraffic.acks.at(-1)?.ack,
        (a) =>
          a !== undefined &&
          a !== 'no answer' &&
          a.ok &&
          a.nearby?.some((n) => n.officerId === officer.accountId) === true,
        {
          what: 'the citizen sees the officer before the cut',
        },
      );

      const cutAt = Date.now();
      proxy.cut();
      const down = await eventually(
        () => api(t, 'GET', '/health/ready'),
        (r) => r.status === 503,
        { what: 'readiness red' },
      );
      expect(down.body.code).toBe('NOT_READY');
      // Both sockets keep sending for a while into the outage.
      await eventually(
        () =>
          [officerTraffic, citizenTraffic].map(
            (tr) => tr.since(cutAt).filter((a) => a.ack !== 'no answer' && !a.ack.ok).length,
          ),
        (n) => n.every((k) => k >= 2),
        { timeoutMs: 20_000, what: 'refused acks from both sockets during the cut' },
      );
      expect((await api(t, 'GET', '/health/live')).status).toBe(200);
      // The outage lasts the full 10 s the issue names, with traffic flowing all along.
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + CUT_MS - Date.now())));
      expect((await api(t, 'GET', '/health/live')).status).toBe(200);
      const restoredAt = Date.now();
      proxy.restore();
      await eventually(
        () => api(t, 'GET', '/health/ready'),
        (r) => r.status === 200,
        { timeoutMs: 20_000, what: 'readiness green again' },
      );

      // Updates resume: the officer is indexed again and the citizen finds them.
      await eventually(
        () => officerTraffic.acks.at(-1)?.ack,
        (a) => a !== undefined && a !== 'no answer' && a.ok,
        { timeoutMs: 20_000, what: 'officer acks ok again' },
      );
      await eventually(
        () => citizenTraffic.acks.at(-1)?.ack,
        (a) =>
          a !== undefined &&
          a !== 'no answer' &&
          a.ok &&
          a.nearby?.some((n) => n.officerId === officer.accountId) === true,
        {
          timeoutMs: 20_000,
          what: 'citizen acks list the officer again',
        },
      );
      const during = [...officerTraffic.since(cutAt), ...citizenTraffic.since(cutAt)]
        .filter((a) => a.at < restoredAt)
        .map((a) => a.ack);
      // Every message during the outage was answered, and a refusal says why.
      expect(during.filter((a) => a === 'no answer')).toEqual([]);
      const refusals = during.filter((a): a is { ok: false; code: string } => a !== 'no answer' && !a.ok);
      // A refusal comes when the geo connection's 2 s command timeout fires; each socket then
      // waits 300 ms and sends again, so 10 s of outage give each socket several refusals.
      for (const tr of [officerTraffic, citizenTraffic]) {
        expect(
          tr.since(cutAt).filter((a) => a.at < restoredAt && a.ack !== 'no answer' && !a.ack.ok).length,
        ).toBeGreaterThanOrEqual(3);
      }
      expect(new Set(refusals.map((a) => a.code))).toEqual(new Set(['TEMPORARILY_UNAVAILABLE']));
    } finally {
      await officerTraffic.stop();
      await citizenTraffic.stop();
    }
    expect(officerSocket.connected && citizenSocket.connected).toBe(true);
    expect(unhandled).toEqual([]);
  });

  it('keeps acks answered and rate limits enforced with 500 ms added to every Redis round trip', async () => {
    const officerSocket = await connect(t, officer.accessToken);
    const citizenSocket = await connect(t, citizen.accessToken);
    sockets.push(officerSocket, citizenSocket);
    proxy.delay(250); // each way
    try {
      const acks: Ack[] = [];
      for (let i = 0; i < 3; i++) {
        const [o, c] = await Promise.all([
          sendLocation(officerSocket, offset(spot, 5 + i, 5)),
          sendLocation(citizenSocket, offset(spot, -30 + i, 10)),
        ]);
        acks.push(o, c);
      }
      expect(acks.every((a) => a.ok)).toBe(true);
      expect(
        acks
          .filter((a, i) => i % 2 === 1)
          .some((a) => a.ok && a.nearby?.some((n) => n.officerId === officer.accountId)),
      ).toBe(true);

      // The per-IP limit on sign-in starts (30 a minute) still holds, counted in the slowed Redis.
      const ip = randomIp();
      const answers = await Promise.all(
        Array.from({ length: 36 }, () =>
          api(t, 'POST', '/auth/oidc/start', {
            body: {
              provider: 'dev',
              redirectUri: 'com.heyblue.app:/oauth2redirect',
              codeChallenge: pkcePair().codeChallenge,
              codeChallengeMethod: 'S256',
            },
            ip,
          }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(30);
      expect(answers.filter((a) => a.status === 429).map((a) => a.body.code)).toEqual(
        Array(6).fill('RATE_LIMITED'),
      );
    } finally {
      proxy.delay(0);
    }
    expect(unhandled).toEqual([]);
  });
});

import { io, type Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, randomIp } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { offset, sendLocation } from './socket-client.js';

/**
 * (e) Floods on every location route: REST limits per account at their defaults (429
 * RATE_LIMITED with Retry-After, nothing changed), the per-account budget of socket `nearby`
 * answers across sockets, the per-account socket cap and the per-IP handshake limit
 * (the last two with small overrides, so the test stays short).
 */
describe('connections: floods on the location routes are limited per account and per IP', () => {
  let t: TestApp;
  const sockets: Socket[] = [];
  const spot = { lat: 39.9526, lng: -75.1652 };

  beforeAll(async () => {
    t = await startTestApp({
      CONNECTIONS_LOCATION_RATE_PER_S: '1000',
      CONNECTIONS_MAX_SOCKETS_PER_ACCOUNT: '3',
      RATE_LIMITS: 'connections-nearby-acks=10/60,connections-handshake=12/60',
    });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  /** A socket from its own client IP (X-Forwarded-For from loopback is trusted), so the handshake limit test counts only its own. */
  const connectFrom = (token: string, ip = randomIp()): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = io(`${t.url}/connections`, {
        path: '/socket.io',
        transports: ['websocket'],
        auth: { token },
        reconnection: false,
        forceNew: true,
        extraHeaders: { 'x-forwarded-for': ip },
      });
      s.once('connect', () => resolve(s));
      s.once('connect_error', (err) => (s.close(), reject(err)));
    });

  const flood = async (
    n: number,
    call: () => Promise<{ status: number; body: { code?: string }; headers: Headers }>,
  ) => {
    const answers = [];
    for (let i = 0; i < n; i++) answers.push(await call());
    return answers;
  };

  it('limits GET /nearby and POST /presence to 60 a minute per account, and POST /availability to 30', async () => {
    const [citizen, officer, other] = await Promise.all([
      given.citizen(t),
      given.officer(t),
      given.citizen(t),
    ]);
    const presence = await flood(61, () =>
      api(t, 'POST', '/connections/presence', { token: citizen.accessToken, body: offset(spot, 10, 0) }),
    );
    expect(presence.slice(0, 60).every((r) => r.status === 200)).toBe(true);
    expect(presence[60]).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(Number(presence[60]!.headers.get('retry-after'))).toBeGreaterThan(0);
    const nearby = await flood(61, () =>
      api(t, 'GET', '/connections/nearby', { token: citizen.accessToken }),
    );
    expect(nearby.slice(0, 60).every((r) => r.status === 200)).toBe(true);
    expect(nearby[60]).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    // Per account: another citizen (same IP or not) is unaffected.
    expect(
      (await api(t, 'POST', '/connections/presence', { token: other.accessToken, body: spot })).status,
    ).toBe(200);
    expect((await api(t, 'GET', '/connections/nearby', { token: other.accessToken })).status).toBe(200);

    const windows = await flood(31, () =>
      api(t, 'POST', '/connections/availability', { token: officer.accessToken, body: spot }),
    );
    expect(windows.slice(0, 30).every((r) => r.status === 201)).toBe(true);
    expect(windows[30]).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    // The refused call changed nothing: the window of the 30th call is still the open one.
    const seen = await api(t, 'GET', '/connections/nearby', { token: other.accessToken });
    expect(seen.body.nearby.map((n: { officerId: string }) => n.officerId)).toContain(officer.accountId);
  });

  it("spends one budget of socket nearby answers across all of an account's sockets", async () => {
    const citizen = await given.citizen(t);
    const mine = await Promise.all([
      connectFrom(citizen.accessToken),
      connectFrom(citizen.accessToken),
      connectFrom(citizen.accessToken),
    ]);
    sockets.push(...mine);
    const acks = [];
    for (let i = 0; i < 4; i++) for (const s of mine) acks.push(await sendLocation(s, offset(spot, i, 0)));
    expect(acks.filter((a) => a.ok === true)).toHaveLength(10);
    expect(acks.slice(10)).toEqual([
      { ok: false, code: 'RATE_LIMITED' },
      { ok: false, code: 'RATE_LIMITED' },
    ]);
  });

  it('caps the sockets one account holds open, and frees the place when one closes', async () => {
    const citizen = await given.citizen(t);
    const held = [
      await connectFrom(citizen.accessToken),
      await connectFrom(citizen.accessToken),
      await connectFrom(citizen.accessToken),
    ];
    sockets.push(...held);
    await expect(connectFrom(citizen.accessToken)).rejects.toMatchObject({
      data: { code: 'TOO_MANY_SOCKETS' },
    });
    held[0]!.close();
    const again = await eventually(
      () => connectFrom(citizen.accessToken),
      (s) => s.connected,
      { what: 'a place freed by the closed socket' },
    );
    sockets.push(again);
    // Another account is not affected.
    sockets.push(await connectFrom((await given.citizen(t)).accessToken));
  });

  it('limits socket handshakes per client IP, valid token or not', async () => {
    const ip = randomIp();
    const handshake = (token: string, from = ip): Promise<string> =>
      new Promise((resolve) => {
        const s = io(`${t.url}/connections`, {
          path: '/socket.io',
          transports: ['websocket'],
          auth: { token },
          reconnection: false,
          forceNew: true,
          extraHeaders: { 'x-forwarded-for': from },
        });
        s.once('connect', () => (s.close(), resolve('connected')));
        s.once(
          'connect_error',
          (err: Error & { data?: { code?: string } }) => (s.close(), resolve(err.data?.code ?? err.message)),
        );
      });
    const answers: string[] = [];
    for (let i = 0; i < 13; i++) answers.push(await handshake('not-a-token'));
    expect(answers.slice(0, 12).every((a) => a === 'UNAUTHORIZED')).toBe(true);
    expect(answers[12]).toBe('RATE_LIMITED');
    const citizen = await given.citizen(t);
    expect(await handshake(citizen.accessToken)).toBe('RATE_LIMITED');
    expect(await handshake(citizen.accessToken, randomIp())).toBe('connected');
  });
});

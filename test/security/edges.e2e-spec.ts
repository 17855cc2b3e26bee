import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app.js';
import { given, MOBILE_REDIRECT, pkcePair } from '../support/given.js';
import { connect, disconnected, sendLocation } from '../connections/socket-client.js';
import { call } from './openapi-walk.js';
import { SOCKET_MAX_MESSAGE_BYTES } from '../../apps/api/src/ws/redis-io.adapter.js';

const ADMIN_ORIGIN = 'https://admin.heyblue.example';
const key32 = () => randomBytes(32).toString('base64');

/** What production refuses to boot without (fresh values: nothing here is a real credential). */
function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HEYBLUE_DEV_MODE: 'false',
    // The default: no proxy is trusted (the test environment otherwise plays a loopback proxy).
    TRUST_PROXY: '',
    CORS_ORIGINS: ADMIN_ORIGIN,
    IAM_PII_ENCRYPTION_KEY: key32(),
    IAM_PII_HMAC_KEY: key32(),
    REPORTING_PSEUDONYM_KEY: key32(),
    VOUCHER_KEY_ENCRYPTION_KEY: key32(),
    TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString('hex')}`,
    TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
    TWILIO_VERIFY_SERVICE_SID: `VA${randomBytes(16).toString('hex')}`,
    // Production needs a real provider (nobody could sign in otherwise); never contacted here.
    OIDC_PROVIDERS: JSON.stringify([
      { id: 'acme', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'heyblue' },
    ]),
  };
}

/** A documentation-range address: a client on the internet behind our (loopback) proxy. */
const internetIp = () => `203.0.113.${randomInt(1, 255)}`;

describe('security edges in production configuration', () => {
  let prod: TestApp;
  beforeAll(async () => {
    prod = await startTestApp(productionEnv());
  });
  afterAll(() => prod.close());

  it('sends HSTS, and no x-powered-by, on answers and problems alike', async () => {
    for (const path of ['/api/v1/health/live', '/api/v1/no-such-route']) {
      const res = await call(prod, 'GET', path);
      expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('believes no X-Forwarded-For by default: forged addresses all count as the one socket address', async () => {
    // POST /auth/refresh allows 60 attempts per client IP and minute.
    const attempt = () =>
      call(prod, 'POST', '/api/v1/auth/refresh', {
        body: JSON.stringify({ refreshToken: randomUUID() }),
        contentType: 'application/json',
        headers: { 'x-forwarded-for': internetIp() },
      });
    const answers: number[] = [];
    for (let i = 0; i < 60; i++) answers.push((await attempt()).status);
    expect(answers.filter((s) => s === 429)).toEqual([]);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
  });

  it('mounts neither the development OpenID provider nor the SMS outbox', async () => {
    expect((await call(prod, 'GET', '/dev/sms?phone=%2B15551234567')).status).toBe(404);
    expect((await call(prod, 'GET', '/dev/oidc/.well-known/openid-configuration')).status).toBe(404);
    // Only the configured provider: no `dev`.
    expect((await call(prod, 'GET', '/api/v1/auth/providers')).body).toEqual([
      { id: 'acme', name: 'Acme ID' },
    ]);
  });

  it('answers CORS only for the configured origin, without credentials', async () => {
    const preflight = (origin: string) =>
      call(prod, 'OPTIONS', '/api/v1/me', {
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight(ADMIN_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ADMIN_ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    for (const origin of ['https://evil.example', 'https://admin.heyblue.example.evil.example', 'null']) {
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
      expect(
        (await call(prod, 'GET', '/api/v1/health/live', { headers: { origin } })).headers.get(
          'access-control-allow-origin',
        ),
      ).toBeNull();
    }
    expect(
      (await call(prod, 'GET', '/api/v1/health/live', { headers: { origin: ADMIN_ORIGIN } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBe(ADMIN_ORIGIN);
  });
});

describe('brute force and floods', () => {
  let t: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  it('allows no cross-origin caller when CORS_ORIGINS is empty', async () => {
    const res = await call(t, 'OPTIONS', '/api/v1/me', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  // Points per IP as declared on the routes (libs/iam/src/api/auth.controller.ts). OTP sends per
  // phone and per IP, and the 5 wrong codes that void a verification: test/iam/phone.e2e-spec.ts.
  const guessing = [
    {
      path: '/api/v1/auth/oidc/callback',
      points: 30,
      body: () => ({
        state: randomUUID(),
        code: randomUUID(),
        codeVerifier: pkcePair().codeVerifier,
        deviceId: 'd1',
      }),
    },
    {
      path: '/api/v1/auth/phone/verify',
      points: 30,
      body: () => ({
        registrationToken: randomUUID(),
        phone: '+15551234567',
        code: String(randomInt(0, 1e6)).padStart(6, '0'),
        deviceId: 'd1',
      }),
    },
    { path: '/api/v1/auth/refresh', points: 60, body: () => ({ refreshToken: randomUUID() }) },
    {
      path: '/api/v1/auth/oidc/start',
      points: 30,
      body: () => {
        const { codeVerifier: _v, ...challenge } = pkcePair();
        return { provider: 'dev', redirectUri: MOBILE_REDIRECT, ...challenge };
      },
    },
  ];

  it.each(guessing)(
    'limits guessing at $path per client IP, however X-Forwarded-For is forged',
    async ({ path, points, body }) => {
      const attacker = internetIp();
      const attempt = (ip: string) =>
        // The client prepends a fresh address each time; our proxy (loopback here) appends the one it saw.
        call(t, 'POST', path, {
          body: JSON.stringify(body()),
          contentType: 'application/json',
          headers: { 'x-forwarded-for': `198.51.100.${randomInt(1, 255)}, ${ip}` },
        });
      const answers = [];
      for (let i = 0; i < points; i++) answers.push((await attempt(attacker)).status);
      expect(answers.filter((s) => s === 429)).toEqual([]);
      const limited = await attempt(attacker);
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      let other = internetIp();
      while (other === attacker) other = internetIp();
      expect((await attempt(other)).status).not.toBe(429);
    },
  );

  it('throttles a location flood from one socket while another socket is served, and drops the socket of a frame over 16 KB', async () => {
    const [flooder, neighbour] = await Promise.all([given.citizen(t), given.citizen(t)]);
    const [a, b] = await Promise.all([connect(t, flooder.accessToken), connect(t, neighbour.accessToken)]);
    sockets.push(a, b);
    const spot = { lat: 41.8781, lng: -87.6298 };
    // The per-socket bucket (CONNECTIONS_LOCATION_RATE_PER_S, 5 with a burst of 5): the rest of 200 is refused.
    const [flood, served] = await Promise.all([
      Promise.all(Array.from({ length: 200 }, () => sendLocation(a, spot))),
      sendLocation(b, spot),
    ]);
    expect(served).toEqual(expect.objectContaining({ ok: true }));
    expect(flood.filter((ack) => ack.ok === true).length).toBeLessThanOrEqual(10);
    expect(flood.filter((ack) => ack.code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(190);
    // A message under the 16 KB limit is answered (refused: an unknown field makes it not a
    // location message); a frame over it closes that socket only.
    const padded = await sendLocation(b, {
      lat: spot.lat,
      lng: spot.lng,
      pad: 'x'.repeat(SOCKET_MAX_MESSAGE_BYTES - 1_000),
    });
    expect(padded).toEqual({ ok: false, code: 'INVALID_LOCATION' });
    expect(b.connected).toBe(true);
    const gone = disconnected(a);
    a.emit('location', { lat: spot.lat, lng: spot.lng, pad: 'x'.repeat(SOCKET_MAX_MESSAGE_BYTES + 1_000) });
    await gone;
    expect(b.connected).toBe(true);
    expect((await call(t, 'GET', '/api/v1/health/live')).status).toBe(200);
  });
});

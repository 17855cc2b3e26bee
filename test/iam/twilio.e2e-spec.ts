import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, oidcSignIn, randomIp, randomPhone } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { FakeTwilio } from './support/fake-twilio.js';

const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
const AUTH_TOKEN = 'twilio-test-auth-token-0123456789';
const SERVICE_SID = `VA${'b2'.repeat(16)}`;

describe('IAM phone verification through the twilio SDK against a fake Twilio Verify', () => {
  let t: TestApp;
  let twilio: FakeTwilio;

  beforeAll(async () => {
    twilio = new FakeTwilio();
    await twilio.start();
    t = await startTestApp({
      SMS_ADAPTER: 'twilio',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_VERIFY_SERVICE_SID: SERVICE_SID,
      TWILIO_BASE_URL: twilio.url,
      TWILIO_TIMEOUT_MS: '300',
      TWILIO_BREAKER_HALF_OPEN_MS: '1500',
      // These tests send many codes through one registration to drive Twilio's outage; the
      // per-account send cap (5/h, test/iam/phone.e2e-spec.ts) is not what they test.
      RATE_LIMITS: 'iam-otp-account=1000/3600',
    });
  });
  afterAll(async () => {
    await t.close();
    await twilio.close();
  });

  const registration = async () => {
    const cb = await oidcSignIn(t, `tw-${Math.random().toString(36).slice(2, 10)}`);
    expect(cb.body.status).toBe('phone_required');
    return cb.body.registrationToken as string;
  };

  it('sends and checks the code through Twilio Verify (path, auth, To, Code) and activates the session', async () => {
    const registrationToken = await registration();
    const phone = randomPhone();
    const ip = randomIp();
    expect(
      (await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip })).status,
    ).toBe(202);
    const sent = twilio.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe(`/v2/Services/${SERVICE_SID}/Verifications`);
    expect(sent.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
    );
    expect(sent.form).toEqual({ To: phone, Channel: 'sms' });

    const wrong = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken, phone, code: '99999999', deviceId: 'tw-1' },
      ip,
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('OTP_INVALID');

    const code = twilio.codes.get(phone)!;
    const ok = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken, phone, code, deviceId: 'tw-1' },
      ip,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('active');
    const check = twilio.requests.at(-1)!;
    expect(check.path).toBe(`/v2/Services/${SERVICE_SID}/VerificationCheck`);
    expect(check.form).toEqual({ To: phone, Code: code });
    expect(check.authorization).toBe(sent.authorization);
  });

  it('maps Twilio refusals to client errors without counting them as outages', async () => {
    const registrationToken = await registration();
    const badNumber = randomPhone();
    const tooMany = randomPhone();
    twilio.refuse.set(badNumber, { status: 400, code: 60200 });
    twilio.refuse.set(tooMany, { status: 429, code: 60203 });
    for (let i = 0; i < 6; i++) {
      const bad = await api(t, 'POST', '/auth/phone/start', {
        body: { registrationToken, phone: badNumber },
      });
      if (i < 3) {
        expect(bad.status).toBe(400);
        expect(bad.body.code).toBe('PHONE_INVALID');
      }
      const limited = await api(t, 'POST', '/auth/phone/start', {
        body: { registrationToken, phone: i < 3 ? tooMany : randomPhone() },
      });
      if (i < 3) {
        expect(limited.status).toBe(429);
        expect(limited.body.code).toBe('RATE_LIMITED');
        expect(limited.headers.get('retry-after')).toBeTruthy();
      }
    }
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/heyblue_circuit_breaker_state\{adapter="twilio-verify"\} 0/);
  });

  it('opens the breaker during an outage (503 SMS_UNAVAILABLE, fast, Twilio left alone) and recovers when Twilio is back', async () => {
    const registrationToken = await registration();
    const prisma = t.app.get(PrismaService);
    const accountsBefore = await prisma.iamAccount.count({ where: { phoneVerifiedAt: { not: null } } });

    twilio.mode = 'hang';
    const hangStarted = Date.now();
    const timedOut = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken, phone: randomPhone() },
    });
    const timeoutPathMs = Date.now() - hangStarted;
    expect(timedOut.status).toBe(503);
    expect(timedOut.body.code).toBe('SMS_UNAVAILABLE');

    twilio.mode = 'down';
    let open = false;
    for (let i = 0; i < 8 && !open; i++) {
      const res = await api(t, 'POST', '/auth/phone/start', {
        body: { registrationToken, phone: randomPhone() },
      });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('SMS_UNAVAILABLE');
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      open = /heyblue_circuit_breaker_state\{adapter="twilio-verify"\} 1/.test(metrics);
    }
    expect(open).toBe(true);

    const seen = twilio.requests.length;
    const startedAt = Date.now();
    const fast = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken, phone: randomPhone() },
    });
    expect(fast.status).toBe(503);
    expect(fast.body.code).toBe('SMS_UNAVAILABLE');
    // Compared with the timeout path measured in this run (3 attempts × 300 ms), not a fixed budget.
    expect(Date.now() - startedAt).toBeLessThan(timeoutPathMs);
    expect(twilio.requests.length).toBe(seen);

    twilio.mode = 'ok';
    const phone = randomPhone();
    await eventually(
      async () =>
        (await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone: randomPhone() } }))
          .status,
      (s) => s === 202,
      { timeoutMs: 10_000, intervalMs: 250, what: 'breaker recovery' },
    );
    expect((await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone } })).status).toBe(
      202,
    );
    expect(twilio.codes.has(phone)).toBe(true);
    expect(await prisma.iamAccount.count({ where: { phoneVerifiedAt: { not: null } } })).toBe(accountsBefore);
  });
});

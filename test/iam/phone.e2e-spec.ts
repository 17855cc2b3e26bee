import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, oidcSignIn, randomIp, randomPhone, readOtp } from '../support/given.js';

describe('IAM phone verification (dev SMS outbox)', () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp();
    prisma = t.app.get(PrismaService);
  });
  afterAll(() => t.close());

  /** Signs in with the dev provider up to phone_required. */
  const registration = async (ip = randomIp()) => {
    const cb = await oidcSignIn(t, `phone-${Math.random().toString(36).slice(2, 10)}`, ip);
    expect(cb.body.status).toBe('phone_required');
    const account = await prisma.iamIdentity.findMany({ orderBy: { createdAt: 'desc' }, take: 1 });
    return { registrationToken: cb.body.registrationToken as string, accountId: account[0]!.accountId, ip };
  };

  const phoneOf = async (accountId: string) =>
    (await prisma.iamAccount.findUnique({ where: { id: accountId } }))!.phoneVerifiedAt;

  it('refuses a phone that is not E.164 and sends nothing', async () => {
    const { registrationToken } = await registration();
    const res = await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone: '555-1234' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ field: 'phone', message: expect.stringContaining('E.164') }]);
    const sms = await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent('+15551234')}`)).json();
    expect(sms).toEqual([]);
  });

  it('refuses an unknown registration token', async () => {
    const res = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken: 'hbg_nope', phone: randomPhone() },
    });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('REGISTRATION_TOKEN_INVALID');
  });

  it('answers a wrong code with 422 OTP_INVALID and leaves the account unverified', async () => {
    const { registrationToken, accountId, ip } = await registration();
    const phone = randomPhone();
    expect(
      (await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip })).status,
    ).toBe(202);
    const code = await readOtp(t, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const res = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken, phone, code: wrong, deviceId: 'd1' },
      ip,
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'OTP_INVALID', attemptsLeft: 4 });
    expect(await phoneOf(accountId)).toBeNull();
    expect(await prisma.iamSession.count({ where: { accountId } })).toBe(0);
  });

  it('voids the verification after 5 wrong codes: even the right code is refused afterwards', async () => {
    const { registrationToken, accountId, ip } = await registration();
    const phone = randomPhone();
    await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    const code = await readOtp(t, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await api(t, 'POST', '/auth/phone/verify', {
        body: { registrationToken, phone, code: wrong, deviceId: 'd1' },
        ip,
      });
      expect(res.body).toMatchObject({ code: 'OTP_INVALID', attemptsLeft: 4 - i });
    }
    const right = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken, phone, code, deviceId: 'd1' },
      ip,
    });
    expect(right.status).toBe(422);
    expect(right.body.code).toBe('VERIFICATION_NOT_FOUND');
    expect(await phoneOf(accountId)).toBeNull();
    expect(await prisma.iamSession.count({ where: { accountId } })).toBe(0);
  });

  it('limits OTP sends to 3 per phone per 10 minutes (429 with Retry-After)', async () => {
    const { registrationToken } = await registration();
    const phone = randomPhone();
    for (let i = 0; i < 3; i++) {
      expect((await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone } })).status).toBe(
        202,
      );
    }
    const limited = await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone } });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const sms = await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`)).json();
    expect(sms).toHaveLength(3);
  });

  it('limits OTP sends to 10 per IP per hour, whichever accounts ask', async () => {
    const ip = randomIp();
    for (const { registrationToken } of [await registration(ip), await registration(ip)]) {
      for (let i = 0; i < 5; i++) {
        expect(
          (
            await api(t, 'POST', '/auth/phone/start', {
              body: { registrationToken, phone: randomPhone() },
              ip,
            })
          ).status,
        ).toBe(202);
      }
    }
    const { registrationToken } = await registration(ip);
    const phone = randomPhone();
    const limited = await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`)).json()).toEqual([]);
  });

  it('caps OTP sends per account at 5 an hour across numbers and IPs (SMS pumping through one sign-in)', async () => {
    const { registrationToken } = await registration();
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await api(t, 'POST', '/auth/phone/start', {
            body: { registrationToken, phone: randomPhone() },
            ip: randomIp(),
          })
        ).status,
      ).toBe(202);
    }
    const phone = randomPhone();
    const limited = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken, phone },
      ip: randomIp(),
    });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`)).json()).toEqual([]);
  });

  it('sends OTPs only to numbers of the configured countries (422 PHONE_COUNTRY_NOT_SUPPORTED) and counts nothing', async () => {
    const { registrationToken, ip } = await registration();
    for (const phone of ['+447911123456', '+14165550123', '+18092345678']) {
      const res = await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('PHONE_COUNTRY_NOT_SUPPORTED');
      expect(await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`)).json()).toEqual([]);
    }
    // Nothing was counted: the account's five sends are all still there.
    for (let i = 0; i < 5; i++) {
      expect(
        (await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone: randomPhone() }, ip }))
          .status,
      ).toBe(202);
    }
  });

  it('refuses phone calls with missing or malformed fields (400) naming each field', async () => {
    const { registrationToken, ip } = await registration();
    const phone = randomPhone();
    const cases: Array<[string, object, string]> = [
      ['/auth/phone/start', { phone }, 'registrationToken'],
      ['/auth/phone/start', { registrationToken }, 'phone'],
      ['/auth/phone/verify', { registrationToken, phone, code: '123456' }, 'deviceId'],
      ['/auth/phone/verify', { registrationToken, phone, code: '12ab56', deviceId: 'd1' }, 'code'],
      ['/auth/phone/verify', { registrationToken, phone, code: 123456, deviceId: 'd1' }, 'code'],
    ];
    for (const [path, body, field] of cases) {
      const res = await api(t, 'POST', path, { body, ip });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    expect((await fetch(`${t.url}/dev/sms`)).status).toBe(400);
    // The registration is still usable.
    expect(
      (await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip })).status,
    ).toBe(202);
  });

  it('refuses a code for another phone, and a code sent under someone else’s registration (422 VERIFICATION_NOT_FOUND)', async () => {
    const mine = await registration();
    const theirs = await registration();
    const phone = randomPhone();
    await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken: theirs.registrationToken, phone },
      ip: theirs.ip,
    });
    const code = await readOtp(t, phone);
    const stolen = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken: mine.registrationToken, phone, code, deviceId: 'd1' },
      ip: mine.ip,
    });
    expect(stolen.status).toBe(422);
    expect(stolen.body.code).toBe('VERIFICATION_NOT_FOUND');
    const otherPhone = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken: theirs.registrationToken, phone: randomPhone(), code, deviceId: 'd1' },
      ip: theirs.ip,
    });
    expect(otherPhone.status).toBe(422);
    expect(otherPhone.body.code).toBe('VERIFICATION_NOT_FOUND');
    expect(await phoneOf(mine.accountId)).toBeNull();
    // The rightful owner can still finish.
    const ok = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken: theirs.registrationToken, phone, code, deviceId: 'd1' },
      ip: theirs.ip,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.session.account.id).toBe(theirs.accountId);
  });

  it('starts one session when the right code is sent several times at once', async () => {
    const { registrationToken, accountId, ip } = await registration();
    const phone = randomPhone();
    await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    const code = await readOtp(t, phone);
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        api(t, 'POST', '/auth/phone/verify', {
          body: { registrationToken, phone, code, deviceId: 'd1' },
          ip,
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect([401, 422]).toContain(a.status);
    expect(await prisma.iamSession.count({ where: { accountId } })).toBe(1);
  });

  it('refuses a registration token once it has been used', async () => {
    const { registrationToken, ip } = await registration();
    const phone = randomPhone();
    await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    const code = await readOtp(t, phone);
    expect(
      (
        await api(t, 'POST', '/auth/phone/verify', {
          body: { registrationToken, phone, code, deviceId: 'd1' },
          ip,
        })
      ).status,
    ).toBe(200);
    const sessions = await prisma.iamSession.count();
    const again = await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('REGISTRATION_TOKEN_INVALID');
    const verifyAgain = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken, phone, code, deviceId: 'd2' },
      ip,
    });
    expect(verifyAgain.status).toBe(401);
    expect(verifyAgain.body.code).toBe('REGISTRATION_TOKEN_INVALID');
    expect(await prisma.iamSession.count()).toBe(sessions);
  });

  it('gives one phone number to one account: another account gets 409 PHONE_IN_USE and no SMS', async () => {
    const phone = randomPhone();
    const owner = await given.citizen(t, { phone, deviceId: 'owner-phone' });
    const sent = (
      (await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`)).json()) as unknown[]
    ).length;
    const other = await registration();
    const res = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken: other.registrationToken, phone },
      ip: other.ip,
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('PHONE_IN_USE');
    expect(await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`)).json()).toHaveLength(
      sent,
    );
    expect(await phoneOf(other.accountId)).toBeNull();
    expect((await api(t, 'GET', '/auth/session', { token: owner.accessToken })).status).toBe(200);
  });

  it('lets an account with a verified phone re-verify only that number (422 PHONE_MISMATCH)', async () => {
    const me = await given.citizen(t, { deviceId: 'phone-1' });
    const moved = await oidcSignIn(t, me.login, randomIp(), { deviceId: 'phone-2' });
    expect(moved.body.status).toBe('phone_required');
    const another = randomPhone();
    const res = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken: moved.body.registrationToken, phone: another },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('PHONE_MISMATCH');
    expect(await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(another)}`)).json()).toEqual([]);
    const account = await prisma.iamAccount.findUniqueOrThrow({ where: { id: me.accountId } });
    expect(account.phoneHash).not.toBeNull();
    expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
  });

  it('keeps a pending OTP with the registration that started it: another registration neither takes it over nor spends its sends', async () => {
    const owner = await registration();
    const attacker = await registration();
    const phone = randomPhone();
    expect(
      (
        await api(t, 'POST', '/auth/phone/start', {
          body: { registrationToken: owner.registrationToken, phone },
          ip: owner.ip,
        })
      ).status,
    ).toBe(202);
    // The attacker asks for the same number until its own per-phone sends run out.
    const attempts = [];
    for (let i = 0; i < 4; i++)
      attempts.push(
        (
          await api(t, 'POST', '/auth/phone/start', {
            body: { registrationToken: attacker.registrationToken, phone },
            ip: randomIp(),
          })
        ).status,
      );
    expect(attempts).toEqual([202, 202, 202, 429]);
    // The owner's pending verification is still theirs, and their sends are untouched.
    expect(
      (
        await api(t, 'POST', '/auth/phone/start', {
          body: { registrationToken: owner.registrationToken, phone },
          ip: owner.ip,
        })
      ).status,
    ).toBe(202);
    const code = await readOtp(t, phone);
    const ok = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken: owner.registrationToken, phone, code, deviceId: 'owner-device' },
      ip: owner.ip,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.session.account.id).toBe(owner.accountId);
    // Once the number is the owner's, the attacker's registration cannot have it.
    const late = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken: attacker.registrationToken, phone },
      ip: randomIp(),
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('PHONE_IN_USE');
    expect(await phoneOf(attacker.accountId)).toBeNull();
  });

  it('makes a new device verify the phone again at sign-in, which ends the old device’s sessions', async () => {
    const me = await given.citizen(t, { deviceId: 'phone-a' });
    const same = await oidcSignIn(t, me.login, randomIp(), { deviceId: 'phone-a' });
    expect(same.body.status).toBe('active');

    const moved = await oidcSignIn(t, me.login, randomIp(), { deviceId: 'phone-b' });
    expect(moved.status).toBe(200);
    expect(moved.body.status).toBe('phone_required');
    expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
    const ip = randomIp();
    const registrationToken = moved.body.registrationToken;
    await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone: me.phone }, ip });
    const code = await readOtp(t, me.phone);
    const verified = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken, phone: me.phone, code, deviceId: 'phone-b' },
      ip,
    });
    expect(verified.status).toBe(200);
    expect(verified.body.session.account.id).toBe(me.accountId);
    expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(401);
    expect((await api(t, 'GET', '/auth/session', { token: same.body.session.accessToken })).status).toBe(401);
    expect((await api(t, 'GET', '/auth/session', { token: verified.body.session.accessToken })).status).toBe(
      200,
    );
    expect((await oidcSignIn(t, me.login, randomIp(), { deviceId: 'phone-b' })).body.status).toBe('active');
  });

  it('serves /dev/sms newest first with the fields of the contract', async () => {
    const { registrationToken, ip } = await registration();
    const phone = randomPhone();
    await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    const sms = (await (await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`)).json()) as Array<{
      to: string;
      body: string;
      code: string;
      sentAt: string;
    }>;
    expect(sms).toHaveLength(2);
    expect(sms[0]).toEqual({
      to: phone,
      body: expect.stringContaining(sms[0]!.code),
      code: expect.stringMatching(/^\d{6}$/),
      sentAt: expect.any(String),
    });
    expect(new Date(sms[0]!.sentAt).getTime()).toBeGreaterThanOrEqual(new Date(sms[1]!.sentAt).getTime());
  });
});

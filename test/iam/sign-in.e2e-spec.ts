import { createHash } from 'node:crypto';
import { AccountRoleChanged, IamApi } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';
import {
  api,
  given,
  MOBILE_REDIRECT,
  oidcSignIn,
  pkcePair,
  providerLogin,
  randomDeviceId,
  randomPhone,
  readOtp,
  sameServer,
} from '../support/given.js';

describe('IAM sign-in over HTTP with the dev OpenID provider and SMS outbox', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lists the dev provider', async () => {
    const res = await api(t, 'GET', '/auth/providers');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.arrayContaining([{ id: 'dev', name: expect.any(String) }]));
  });

  it('signs a citizen in end to end: start → login form → consent → callback → phone → verify → token works', async () => {
    const ip = '10.9.9.9';
    const { codeVerifier, ...challenge } = pkcePair();
    const start = await api(t, 'POST', '/auth/oidc/start', {
      body: { provider: 'dev', redirectUri: MOBILE_REDIRECT, ...challenge },
      ip,
    });
    expect(start.status).toBe(200);
    const authUrl = new URL(start.body.authorizationUrl);
    expect(authUrl.pathname).toBe('/dev/oidc/auth');
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('code_challenge')).toBe(challenge.codeChallenge);
    expect(authUrl.searchParams.get('nonce')).toBeTruthy();
    expect(authUrl.searchParams.get('state')).toBe(start.body.state);

    const redirect = await providerLogin(start.body.authorizationUrl, MOBILE_REDIRECT, 'jane');
    const cb = await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: redirect.searchParams.get('state'),
        code: redirect.searchParams.get('code'),
        codeVerifier,
        deviceId: 'dev-a',
      },
      ip,
    });
    expect(cb.status).toBe(200);
    expect(cb.body).toEqual({ status: 'phone_required', registrationToken: expect.any(String) });

    const phone = randomPhone();
    const sent = await api(t, 'POST', '/auth/phone/start', {
      body: { registrationToken: cb.body.registrationToken, phone },
      ip,
    });
    expect(sent.status).toBe(202);
    const code = await readOtp(t, phone);
    expect(code).toMatch(/^\d{6}$/);
    const verified = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken: cb.body.registrationToken, phone, code, deviceId: 'dev-a' },
      ip,
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({
      status: 'active',
      session: {
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        accessTokenExpiresAt: expect.any(String),
        account: { id: expect.any(String), role: 'citizen' },
      },
    });
    const token = verified.body.session.accessToken;
    const me = await eventually(
      () => api(t, 'GET', '/me', { token }),
      (r) => r.status === 200 && r.body.profile?.displayName === 'jane',
      { what: 'GET /me with the profile' },
    );
    expect(me.body.account).toEqual({
      id: verified.body.session.account.id,
      role: 'citizen',
      phone: `+1******${phone.slice(-4)}`,
    });
    const logout = await api(t, 'POST', '/auth/logout', { token });
    expect(logout.status).toBe(204);
  });

  it('finds the same account at the next sign-in and answers with an active session at once', async () => {
    const first = await given.citizen(t, { login: 'repeat-user' });
    const again = await oidcSignIn(t, 'repeat-user', undefined, { deviceId: first.deviceId });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      status: 'active',
      session: {
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        accessTokenExpiresAt: expect.any(String),
        account: { id: first.accountId, role: 'citizen' },
      },
    });
  });

  it('gives officers on the roster and pre-authorised admins their role at first sign-in', async () => {
    const officer = await given.officer(t);
    expect(officer.role).toBe('officer');
    const admin = await given.admin(t);
    expect(admin.role).toBe('admin');
  });

  it('accepts the admin dashboard redirect URI of this deployment', async () => {
    const redirectUri = `${t.url}/admin/callback`;
    const { codeVerifier, ...challenge } = pkcePair();
    const start = await api(t, 'POST', '/auth/oidc/start', {
      body: { provider: 'dev', redirectUri, ...challenge },
    });
    expect(start.status).toBe(200);
    const redirect = await providerLogin(
      start.body.authorizationUrl,
      redirectUri,
      'dashboard-user@example.org',
    );
    expect(redirect.origin + redirect.pathname).toBe(redirectUri);
    const cb = await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: redirect.searchParams.get('state'),
        code: redirect.searchParams.get('code'),
        codeVerifier,
        deviceId: 'browser-1',
      },
    });
    expect(cb.status).toBe(200);
    expect(cb.body.status).toBe('phone_required');
  });

  it('promotes an existing citizen when ETL puts their e-mail on the officer roster (idempotent by e-mail)', async () => {
    const me = await given.citizen(t, { login: 'later-officer' });
    const iam = t.app.get(IamApi);
    const entry = {
      badgeNumber: 'B-77',
      email: 'Later-Officer@dev.heyblue.test',
      firstName: 'Lee',
      lastName: 'Ater',
      precinct: '7th',
      zip: '10007',
    };
    expect(await iam.upsertOfficerRosterEntry(entry)).toEqual({
      created: true,
      promotedAccountIds: [me.accountId],
      demotedAccountIds: [],
    });
    expect(await iam.upsertOfficerRosterEntry({ ...entry, precinct: '8th' })).toEqual({
      created: false,
      promotedAccountIds: [],
      demotedAccountIds: [],
    });
    const prisma = t.app.get(PrismaService);
    expect(await prisma.iamOfficerRoster.count({ where: { badgeNumber: 'B-77' } })).toBe(1);
    const who = await api(t, 'GET', '/auth/session', { token: me.accessToken });
    expect(who.body.account.role).toBe('officer');
    const events = await prisma.outboxEvent.findMany({ where: { type: AccountRoleChanged.type } });
    expect(events.map((e) => e.payload)).toContainEqual({
      accountId: me.accountId,
      previousRole: 'citizen',
      role: 'officer',
      changedBy: null,
      precinct: '7th',
    });
    const views = await iam.getAccounts([me.accountId, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']);
    expect(views).toEqual([
      {
        id: me.accountId,
        role: 'officer',
        status: 'active',
        phoneMasked: expect.stringMatching(/^\+1\*{6}\d{4}$/),
      },
    ]);
  });

  it('promotes a citizen once when the same roster entry is loaded several times at once (one AccountRoleChanged)', async () => {
    const me = await given.citizen(t, { login: 'racing-officer' });
    const iam = t.app.get(IamApi);
    const entry = {
      badgeNumber: 'B-78',
      email: 'racing-officer@dev.heyblue.test',
      firstName: 'Ray',
      lastName: 'Singh',
      precinct: '9th',
      zip: '10009',
    };
    const results = await Promise.all([1, 2, 3].map(() => iam.upsertOfficerRosterEntry(entry)));
    expect(results.flatMap((r) => r.promotedAccountIds)).toEqual([me.accountId]);
    const prisma = t.app.get(PrismaService);
    const events = await prisma.outboxEvent.findMany({ where: { type: AccountRoleChanged.type } });
    expect(
      events.filter((e) => (e.payload as { accountId: string }).accountId === me.accountId),
    ).toHaveLength(1);
    expect(
      await prisma.iamAuditEntry.count({ where: { action: 'role_changed', targetId: me.accountId } }),
    ).toBe(1);
  });

  it('records audit entries that other contexts add through the facade', async () => {
    const admin = await given.admin(t);
    await t.app.get(IamApi).recordAudit({
      actorId: admin.accountId,
      action: 'etl_upload',
      targetId: 'job-1',
      ip: '10.0.0.1',
      userAgent: 'etl',
      detail: { rows: 3, at: new Date('2026-11-23T00:00:00Z') },
    });
    const res = await api(t, 'GET', '/admin/audit?action=etl_upload', { token: admin.accessToken });
    expect(res.body.items).toEqual([
      expect.objectContaining({
        actorId: admin.accountId,
        action: 'etl_upload',
        targetId: 'job-1',
        ip: '10.0.0.1',
        detail: { rows: 3, at: '2026-11-23T00:00:00.000Z' },
      }),
    ]);
  });

  describe('client-held PKCE (RFC 7636, RFC 8252 §8.1) and the device', () => {
    /** Start with a fresh pair and log in at the provider: what the redirect carries, plus the client's verifier. */
    const redirected = async (login: string, redirectUri = MOBILE_REDIRECT) => {
      const { codeVerifier, ...challenge } = pkcePair();
      const start = await api(t, 'POST', '/auth/oidc/start', {
        body: { provider: 'dev', redirectUri, ...challenge },
      });
      expect(start.status).toBe(200);
      const redirect = await providerLogin(start.body.authorizationUrl, redirectUri, login, 'pw', (url) =>
        sameServer(url, t.url),
      );
      return {
        state: redirect.searchParams.get('state')!,
        code: redirect.searchParams.get('code')!,
        codeVerifier,
      };
    };
    const accounts = () => t.app.get(PrismaService).iamAccount.count();

    it('refuses an intercepted code with a wrong verifier (400 INVALID_CODE_VERIFIER) and spends the state: the real client cannot be raced', async () => {
      const before = await accounts();
      const r = await redirected('intercepted-wrong');
      const attacker = await api(t, 'POST', '/auth/oidc/callback', {
        body: {
          state: r.state,
          code: r.code,
          codeVerifier: pkcePair().codeVerifier,
          deviceId: 'attacker-phone',
        },
      });
      expect(attacker.status).toBe(400);
      expect(attacker.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(attacker.body.code).toBe('INVALID_CODE_VERIFIER');
      const owner = await api(t, 'POST', '/auth/oidc/callback', { body: { ...r, deviceId: 'owner-phone' } });
      expect(owner.status).toBe(400);
      expect(owner.body.code).toBe('INVALID_STATE');
      expect(await accounts()).toBe(before);
      const audit = await t.app
        .get(PrismaService)
        .iamAuditEntry.findMany({ where: { action: 'sign_in_failed' }, orderBy: { seq: 'desc' }, take: 2 });
      expect(audit.map((e) => (e.detail as { reason: string }).reason)).toEqual([
        'INVALID_STATE',
        'INVALID_CODE_VERIFIER',
      ]);
    });

    it('refuses an intercepted code without a verifier or with the challenge itself (plain) and spends the state', async () => {
      for (const codeVerifier of [undefined, 'challenge']) {
        const r = await redirected(`intercepted-${codeVerifier ?? 'none'}`);
        const codeChallenge = createHash('sha256').update(r.codeVerifier).digest('base64url');
        const attempt = await api(t, 'POST', '/auth/oidc/callback', {
          body: {
            state: r.state,
            code: r.code,
            deviceId: 'attacker',
            ...(codeVerifier ? { codeVerifier: codeChallenge } : {}),
          },
        });
        expect(attempt.status).toBe(400);
        expect(attempt.body.code).toBe('INVALID_CODE_VERIFIER');
        expect(
          (await api(t, 'POST', '/auth/oidc/callback', { body: { ...r, deviceId: 'owner' } })).body.code,
        ).toBe('INVALID_STATE');
      }
    });

    it('refuses a replayed state after a successful callback (400 INVALID_STATE)', async () => {
      const r = await redirected('replayer');
      const first = await api(t, 'POST', '/auth/oidc/callback', { body: { ...r, deviceId: 'd1' } });
      expect(first.status).toBe(200);
      const replay = await api(t, 'POST', '/auth/oidc/callback', { body: { ...r, deviceId: 'd1' } });
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe('INVALID_STATE');
    });

    it('refuses a start without an S256 challenge, and a callback without deviceId, naming the field and spending nothing', async () => {
      const { codeChallenge } = pkcePair();
      const cases: Array<[unknown, string]> = [
        [{ provider: 'dev', redirectUri: MOBILE_REDIRECT, codeChallengeMethod: 'S256' }, 'codeChallenge'],
        [{ provider: 'dev', redirectUri: MOBILE_REDIRECT, codeChallenge }, 'codeChallengeMethod'],
        [
          { provider: 'dev', redirectUri: MOBILE_REDIRECT, codeChallenge, codeChallengeMethod: 'plain' },
          'codeChallengeMethod',
        ],
        [
          {
            provider: 'dev',
            redirectUri: MOBILE_REDIRECT,
            codeChallenge: 'too-short',
            codeChallengeMethod: 'S256',
          },
          'codeChallenge',
        ],
      ];
      for (const [body, field] of cases) {
        const res = await api(t, 'POST', '/auth/oidc/start', { body });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      const r = await redirected('no-device');
      const noDevice = await api(t, 'POST', '/auth/oidc/callback', { body: r });
      expect(noDevice.status).toBe(400);
      expect(noDevice.body.code).toBe('VALIDATION_FAILED');
      expect(noDevice.body.errors.map((e: { field: string }) => e.field)).toContain('deviceId');
      // Bad input changed nothing: the same sign-in still completes.
      expect(
        (await api(t, 'POST', '/auth/oidc/callback', { body: { ...r, deviceId: 'd-later' } })).status,
      ).toBe(200);
    });

    it('answers active only on the device the verified phone is bound to; a new device gets phone_required', async () => {
      const me = await given.citizen(t, { deviceId: 'bound-phone' });
      const same = await oidcSignIn(t, me.login, undefined, { deviceId: 'bound-phone' });
      expect(same.body.status).toBe('active');
      const other = await oidcSignIn(t, me.login, undefined, { deviceId: randomDeviceId() });
      expect(other.status).toBe(200);
      expect(other.body).toEqual({ status: 'phone_required', registrationToken: expect.any(String) });
      expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
    });
  });
});

import { createHash } from 'node:crypto';
import { AdminService, IamApi } from '@heyblue/iam';
import { PrismaService, RedisService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, MOBILE_REDIRECT, pkcePair } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { s256, startAcme, type FakeOidcProvider, type TokenBehaviour } from './support/fake-oidc.js';

describe('IAM OIDC sign-in: unhappy paths change nothing', () => {
  let t: TestApp;
  let fake: FakeOidcProvider;
  let prisma: PrismaService;

  beforeAll(async () => {
    let providers: string;
    ({ fake, providers } = await startAcme(MOBILE_REDIRECT));
    t = await startTestApp({ OIDC_PROVIDERS: providers, IAM_OIDC_STATE_TTL_S: '2' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.behaviour = 'ok';
  });

  const start = async () => {
    const { codeVerifier, ...challenge } = pkcePair();
    const res = await api(t, 'POST', '/auth/oidc/start', {
      body: { provider: 'acme', redirectUri: MOBILE_REDIRECT, ...challenge },
    });
    expect(res.status).toBe(200);
    const url = new URL(res.body.authorizationUrl);
    return {
      state: res.body.state as string,
      nonce: url.searchParams.get('nonce')!,
      challenge: url.searchParams.get('code_challenge')!,
      url,
      codeVerifier,
    };
  };

  const counts = async () => ({
    accounts: await prisma.iamAccount.count(),
    identities: await prisma.iamIdentity.count(),
    events: await prisma.outboxEvent.count(),
  });

  it('lists the configured provider beside the dev one', async () => {
    const res = await api(t, 'GET', '/auth/providers');
    expect(res.body).toEqual([
      { id: 'dev', name: expect.any(String) },
      { id: 'acme', name: 'Acme ID' },
    ]);
  });

  it('runs the code flow with PKCE, client secret and nonce against the provider', async () => {
    const s = await start();
    expect(s.url.origin).toBe(fake.url);
    expect(s.url.searchParams.get('client_id')).toBe('heyblue-client');
    expect(s.url.searchParams.get('scope')).toBe('openid email profile');
    const code = fake.issueCode({ nonce: s.nonce, sub: 'acme-1', email: 'Ann@Example.com', name: 'Ann' });
    const before = await counts();
    const cb = await api(t, 'POST', '/auth/oidc/callback', {
      body: { state: s.state, code, codeVerifier: s.codeVerifier, deviceId: 'acme-device' },
    });
    expect(cb.status).toBe(200);
    expect(cb.body.status).toBe('phone_required');
    const req = fake.tokenRequests.at(-1)!;
    expect(req).toMatchObject({
      grant_type: 'authorization_code',
      code,
      redirect_uri: MOBILE_REDIRECT,
      client_id: 'heyblue-client',
      client_secret: 'acme-secret',
    });
    expect(req.code_verifier).toBe(s.codeVerifier);
    expect(s256(req.code_verifier!)).toBe(s.challenge);
    expect(await counts()).toEqual({
      accounts: before.accounts + 1,
      identities: before.identities + 1,
      events: before.events + 1,
    });
    const event = await prisma.outboxEvent.findFirst({
      where: { type: 'AccountCreated' },
      orderBy: { seq: 'desc' },
    });
    expect(event!.payload).toEqual({
      accountId: expect.any(String),
      role: 'citizen',
      displayName: 'Ann',
      precinct: null,
    });
    expect(JSON.stringify(event!.payload)).not.toMatch(/example\.com/i);
  });

  it('refuses an unknown provider and an unregistered redirect URI', async () => {
    const { codeVerifier: _v, ...pkce } = pkcePair();
    const unknown = await api(t, 'POST', '/auth/oidc/start', {
      body: { provider: 'nope', redirectUri: MOBILE_REDIRECT, ...pkce },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('UNKNOWN_PROVIDER');
    const redirect = await api(t, 'POST', '/auth/oidc/start', {
      body: { provider: 'acme', redirectUri: 'https://evil.example/cb', ...pkce },
    });
    expect(redirect.status).toBe(400);
    expect(redirect.body.code).toBe('REDIRECT_URI_NOT_ALLOWED');
  });

  it('refuses start and callback bodies with missing or malformed fields (400 naming the field) and creates nothing', async () => {
    const before = await counts();
    const { codeVerifier: _v, ...pkce } = pkcePair();
    const cases: Array<[string, unknown, string]> = [
      ['/auth/oidc/start', { redirectUri: MOBILE_REDIRECT, ...pkce }, 'provider'],
      ['/auth/oidc/start', { provider: 'acme', ...pkce }, 'redirectUri'],
      [
        '/auth/oidc/start',
        { provider: 'acme', redirectUri: MOBILE_REDIRECT, scope: 'admin', ...pkce },
        'scope',
      ],
      ['/auth/oidc/callback', { code: 'x', deviceId: 'd' }, 'state'],
      ['/auth/oidc/callback', { state: 'x', deviceId: 'd' }, 'code'],
      ['/auth/oidc/callback', { state: 'x', code: ['a', 'b'], deviceId: 'd' }, 'code'],
      [
        '/auth/oidc/callback',
        { state: 'x', code: 'x', codeVerifier: 'v'.repeat(129), deviceId: 'd' },
        'codeVerifier',
      ],
      ['/auth/oidc/callback', { state: 'x', code: 'x', deviceId: ['a'] }, 'deviceId'],
    ];
    for (const [path, body, field] of cases) {
      const res = await api(t, 'POST', path, { body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    expect(await counts()).toEqual(before);
  });

  it('never sends a code with a wrong verifier to the provider (400 INVALID_CODE_VERIFIER, state spent)', async () => {
    const before = await counts();
    const requests = fake.tokenRequests.length;
    const s = await start();
    const code = fake.issueCode({ nonce: s.nonce, sub: 'acme-intercepted', email: 'victim@example.com' });
    const stolen = await api(t, 'POST', '/auth/oidc/callback', {
      body: { state: s.state, code, codeVerifier: pkcePair().codeVerifier, deviceId: 'attacker' },
    });
    expect(stolen.status).toBe(400);
    expect(stolen.body.code).toBe('INVALID_CODE_VERIFIER');
    expect(fake.tokenRequests).toHaveLength(requests);
    const owner = await api(t, 'POST', '/auth/oidc/callback', {
      body: { state: s.state, code, codeVerifier: s.codeVerifier, deviceId: 'owner' },
    });
    expect(owner.body.code).toBe('INVALID_STATE');
    expect(fake.tokenRequests).toHaveLength(requests);
    expect(await counts()).toEqual(before);
  });

  it('refuses an unknown state, a reused state and an expired state', async () => {
    const before = await counts();
    const unknown = await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: 'never-issued',
        code: 'x',
        codeVerifier: pkcePair().codeVerifier,
        deviceId: 'acme-device',
      },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('INVALID_STATE');

    const s = await start();
    fake.behaviour = 'invalid_grant';
    await api(t, 'POST', '/auth/oidc/callback', {
      body: { state: s.state, code: 'first-use', codeVerifier: s.codeVerifier, deviceId: 'acme-device' },
    });
    fake.behaviour = 'ok';
    const reused = await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: s.state,
        code: fake.issueCode({ nonce: s.nonce, sub: 'acme-r', email: 'r@example.com' }),
        codeVerifier: s.codeVerifier,
        deviceId: 'acme-device',
      },
    });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('INVALID_STATE');

    const late = await start();
    const redis = t.app.get(RedisService);
    const key = redis.key('iam', 'oidc-state', createHash('sha256').update(late.state).digest('hex'));
    await eventually(
      () => redis.client.exists(key),
      (n) => n === 0,
      { timeoutMs: 10_000, what: 'state expiry' },
    );
    const expired = await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: late.state,
        code: fake.issueCode({ nonce: late.nonce, sub: 'acme-e', email: 'e@example.com' }),
        codeVerifier: late.codeVerifier,
        deviceId: 'acme-device',
      },
    });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('INVALID_STATE');
    expect(await counts()).toEqual(before);
  });

  const refused: Array<[TokenBehaviour, number, string]> = [
    ['wrong-nonce', 401, 'ID_TOKEN_INVALID'],
    ['wrong-audience', 401, 'ID_TOKEN_INVALID'],
    ['wrong-issuer', 401, 'ID_TOKEN_INVALID'],
    ['bad-signature', 401, 'ID_TOKEN_INVALID'],
    ['expired', 401, 'ID_TOKEN_INVALID'],
    ['invalid_grant', 401, 'CODE_EXCHANGE_FAILED'],
    ['unavailable', 503, 'PROVIDER_UNAVAILABLE'],
    ['no-email', 422, 'EMAIL_REQUIRED'],
  ];

  it.each(refused)(
    'answers an ID token / exchange with %s by %i %s and creates nothing',
    async (behaviour, status, code) => {
      const before = await counts();
      const audits = await prisma.iamAuditEntry.count({ where: { action: 'sign_in_failed' } });
      const s = await start();
      fake.behaviour = behaviour;
      const res = await api(t, 'POST', '/auth/oidc/callback', {
        body: {
          state: s.state,
          code: fake.issueCode({
            nonce: s.nonce,
            sub: `acme-${behaviour}`,
            email: `${behaviour}@example.com`,
          }),
          codeVerifier: s.codeVerifier,
          deviceId: 'acme-device',
        },
      });
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await counts()).toEqual(before);
      expect(await prisma.iamAuditEntry.count({ where: { action: 'sign_in_failed' } })).toBe(audits + 1);
    },
  );

  it('links a second provider identity by e-mail only when the provider verified it', async () => {
    const s1 = await start();
    const first = await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: s1.state,
        code: fake.issueCode({ nonce: s1.nonce, sub: 'link-1', email: 'link@example.com' }),
        codeVerifier: s1.codeVerifier,
        deviceId: 'acme-device',
      },
    });
    expect(first.status).toBe(200);
    const s2 = await start();
    await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: s2.state,
        code: fake.issueCode({ nonce: s2.nonce, sub: 'link-2', email: 'link@example.com' }),
        codeVerifier: s2.codeVerifier,
        deviceId: 'acme-device',
      },
    });
    const s3 = await start();
    await api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: s3.state,
        code: fake.issueCode({
          nonce: s3.nonce,
          sub: 'link-3',
          email: 'link@example.com',
          emailVerified: false,
        }),
        codeVerifier: s3.codeVerifier,
        deviceId: 'acme-device',
      },
    });
    const ids = await prisma.iamIdentity.findMany({
      where: { subject: { in: ['link-1', 'link-2', 'link-3'] } },
    });
    const byS = Object.fromEntries(ids.map((i) => [i.subject, i.accountId]));
    expect(byS['link-2']).toBe(byS['link-1']);
    expect(byS['link-3']).not.toBe(byS['link-1']);
  });

  it('grants roster and admin roles only for e-mails the provider verified', async () => {
    await t.app.get(AdminService).preauthorizeAdmin('claimed-boss@example.com');
    await t.app.get(IamApi).upsertOfficerRosterEntry({
      badgeNumber: 'B-1',
      email: 'claimed-cop@example.com',
      firstName: 'C',
      lastName: 'Op',
      precinct: '1st',
      zip: '10001',
    });
    const roleOf = async (sub: string, email: string, emailVerified: boolean) => {
      const s = await start();
      const res = await api(t, 'POST', '/auth/oidc/callback', {
        body: {
          state: s.state,
          code: fake.issueCode({ nonce: s.nonce, sub, email, emailVerified }),
          codeVerifier: s.codeVerifier,
          deviceId: 'acme-device',
        },
      });
      expect(res.status).toBe(200);
      const identity = await prisma.iamIdentity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'acme', subject: sub } },
        include: { account: true },
      });
      return identity.account.role;
    };
    expect(await roleOf('claim-1', 'claimed-boss@example.com', false)).toBe('citizen');
    expect(await roleOf('claim-2', 'claimed-cop@example.com', false)).toBe('citizen');
    expect(await roleOf('claim-3', 'claimed-cop@example.com', true)).toBe('officer');
    expect(await roleOf('claim-4', 'claimed-boss@example.com', true)).toBe('admin');
  });
});

import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, MOBILE_REDIRECT, pkcePair } from '../support/given.js';
import { startAcme, type FakeOidcProvider } from './support/fake-oidc.js';

describe('IAM OIDC: a provider that keeps failing is left alone (breaker)', () => {
  let t: TestApp;
  let fake: FakeOidcProvider;

  beforeAll(async () => {
    let providers: string;
    ({ fake, providers } = await startAcme(MOBILE_REDIRECT));
    t = await startTestApp({ OIDC_PROVIDERS: providers });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const callback = async () => {
    const { codeVerifier, ...challenge } = pkcePair();
    const started = await api(t, 'POST', '/auth/oidc/start', {
      body: { provider: 'acme', redirectUri: MOBILE_REDIRECT, ...challenge },
    });
    expect(started.status).toBe(200);
    const nonce = new URL(started.body.authorizationUrl).searchParams.get('nonce')!;
    return api(t, 'POST', '/auth/oidc/callback', {
      body: {
        state: started.body.state,
        code: fake.issueCode({ nonce, sub: 'acme-down', email: 'down@example.com' }),
        codeVerifier,
        deviceId: 'acme-device',
      },
    });
  };

  // Runs first: it needs the breaker closed, and shows refusals leave it closed.
  it('does not count refused codes as outages: every one reaches the provider', async () => {
    fake.behaviour = 'invalid_grant';
    for (let i = 0; i < 6; i++) expect((await callback()).body.code).toBe('CODE_EXCHANGE_FAILED');
    expect(fake.tokenRequests).toHaveLength(6);
  });

  it('answers 503 PROVIDER_UNAVAILABLE without calling the provider after 5 outages in a row, and keeps other providers working', async () => {
    fake.behaviour = 'unavailable';
    const before = fake.tokenRequests.length;
    for (let i = 0; i < 5; i++) expect((await callback()).body.code).toBe('PROVIDER_UNAVAILABLE');
    const calls = fake.tokenRequests.length;
    expect(calls).toBe(before + 5);

    fake.behaviour = 'ok';
    const open = await callback();
    expect(open.status).toBe(503);
    expect(open.body.code).toBe('PROVIDER_UNAVAILABLE');
    expect(fake.tokenRequests).toHaveLength(calls);

    // The breaker is per provider: the dev provider still signs people in.
    await expect(given.citizen(t)).resolves.toMatchObject({ role: 'citizen' });
  });
});

import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, MOBILE_REDIRECT, oidcSignIn, providerLogin, randomPhone, readOtp } from '../support/given.js';

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
    const start = await api(t, 'POST', '/auth/oidc/start', { body: { provider: 'dev', redirectUri: MOBILE_REDIRECT }, ip });
    expect(start.status).toBe(200);
    const authUrl = new URL(start.body.authorizationUrl);
    expect(authUrl.pathname).toBe('/dev/oidc/auth');
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('nonce')).toBeTruthy();
    expect(authUrl.searchParams.get('state')).toBe(start.body.state);

    const redirect = await providerLogin(start.body.authorizationUrl, MOBILE_REDIRECT, 'jane');
    const cb = await api(t, 'POST', '/auth/oidc/callback', { body: { state: redirect.searchParams.get('state'), code: redirect.searchParams.get('code') }, ip });
    expect(cb.status).toBe(200);
    expect(cb.body).toEqual({ status: 'phone_required', registrationToken: expect.any(String) });

    const phone = randomPhone();
    const sent = await api(t, 'POST', '/auth/phone/start', { body: { registrationToken: cb.body.registrationToken, phone }, ip });
    expect(sent.status).toBe(202);
    const code = await readOtp(t, phone);
    expect(code).toMatch(/^\d{6}$/);
    const verified = await api(t, 'POST', '/auth/phone/verify', { body: { registrationToken: cb.body.registrationToken, phone, code, deviceId: 'dev-a' }, ip });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({
      status: 'active',
      session: { accessToken: expect.any(String), refreshToken: expect.any(String), accessTokenExpiresAt: expect.any(String), account: { id: expect.any(String), role: 'citizen' } },
    });
    const logout = await api(t, 'POST', '/auth/logout', { token: verified.body.session.accessToken });
    expect(logout.status).toBe(204);
  });

  it('finds the same account at the next sign-in and answers with an active session at once', async () => {
    const first = await given.citizen(t, { login: 'repeat-user' });
    const again = await oidcSignIn(t, 'repeat-user');
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('active');
    expect(again.body.session.account).toEqual({ id: first.accountId, role: 'citizen' });
  });

  it('gives officers on the roster and pre-authorised admins their role at first sign-in', async () => {
    const officer = await given.officer(t);
    expect(officer.role).toBe('officer');
    const admin = await given.admin(t);
    expect(admin.role).toBe('admin');
  });
});

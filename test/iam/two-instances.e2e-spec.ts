import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, MOBILE_REDIRECT, pkcePair, providerLogin, sameServer } from '../support/given.js';
import { eventually } from '../support/poll.js';

describe('IAM across two app instances (two processes, one PostgreSQL and Redis)', () => {
  let a: TestApp;
  let child: ChildProcess;
  let out = '';
  let err = '';
  let bUrl = '';

  beforeAll(async () => {
    // Both instances sit behind one public address, as behind a load balancer.
    a = await startTestApp({ PUBLIC_BASE_URL: 'http://heyblue.test.invalid' });
    child = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'test/iam/fixtures/api-instance.ts'],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          ...a.testEnv.env,
          PORT: '0',
          HOST: '127.0.0.1',
          OUTBOX_RELAY_ENABLED: 'false',
          EVENT_WORKERS_ENABLED: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    bUrl = (await eventually(() => /listening (http:\/\/\S+)/.exec(out)?.[1], Boolean, {
      timeoutMs: 90_000,
      what: `second instance (stderr: ${err.slice(-500)})`,
    }))!;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await a.close();
  });

  it('honours a logout on one instance at once on the other, and tells the other instance', async () => {
    const me = await given.citizen(a);
    const b = { ...a, url: bUrl };
    expect((await api(b, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);

    expect((await api(a, 'POST', '/auth/logout', { token: me.accessToken })).status).toBe(204);
    // No waiting: the very next request on the other instance is refused.
    const onB = await api(b, 'GET', '/auth/session', { token: me.accessToken });
    expect(onB.status).toBe(401);
    expect(onB.body.code).toBe('TOKEN_INVALID');
    expect((await api(b, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } })).status).toBe(
      401,
    );
    await eventually(
      () => out,
      (o) => o.includes(`"accountId":"${me.accountId}"`),
      { what: 'revocation notice on the second instance' },
    );
  });

  it('rotates on one instance and detects reuse on the other', async () => {
    const me = await given.citizen(a);
    const b = { ...a, url: bUrl };
    const rotated = await api(b, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } });
    expect(rotated.status).toBe(200);
    const reuse = await api(a, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } });
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await api(b, 'GET', '/auth/session', { token: rotated.body.session.accessToken })).status).toBe(
      401,
    );
  });

  it('lets a dev-provider sign-in hop between instances (shared provider state, keys and sign-in state)', async () => {
    const b = { ...a, url: bUrl };
    const { codeVerifier, ...challenge } = pkcePair();
    const start = await api(a, 'POST', '/auth/oidc/start', {
      body: { provider: 'dev', redirectUri: MOBILE_REDIRECT, ...challenge },
    });
    expect(start.status).toBe(200);
    expect(start.body.authorizationUrl).toMatch(/^http:\/\/heyblue\.test\.invalid\/dev\/oidc\/auth\?/);
    const hops: string[] = [];
    const redirect = await providerLogin(
      start.body.authorizationUrl,
      MOBILE_REDIRECT,
      'hopper',
      'pw',
      (url, step) => {
        const target = step % 2 === 0 ? a.url : bUrl;
        hops.push(target);
        return sameServer(url, target);
      },
    );
    expect(new Set(hops).size).toBe(2);
    const cb = await api(b, 'POST', '/auth/oidc/callback', {
      body: {
        state: redirect.searchParams.get('state'),
        code: redirect.searchParams.get('code'),
        codeVerifier,
        deviceId: 'hopper-phone',
      },
    });
    expect(cb.status).toBe(200);
    expect(cb.body.status).toBe('phone_required');
  });
});

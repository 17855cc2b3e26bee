import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';

describe('IAM across two app instances (two processes, one PostgreSQL and Redis)', () => {
  let a: TestApp;
  let child: ChildProcess;
  let out = '';
  let err = '';
  let bUrl = '';

  beforeAll(async () => {
    a = await startTestApp();
    child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'test/iam/fixtures/api-instance.ts'], {
      env: { ...process.env, NODE_OPTIONS: '', ...a.testEnv.env, PORT: '0', HOST: '127.0.0.1', OUTBOX_RELAY_ENABLED: 'false', EVENT_WORKERS_ENABLED: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    bUrl = (await eventually(() => /listening (http:\/\/\S+)/.exec(out)?.[1], Boolean, { timeoutMs: 90_000, what: `second instance (stderr: ${err.slice(-500)})` }))!;
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
    expect((await api(b, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } })).status).toBe(401);
    await eventually(() => out, (o) => o.includes(`"accountId":"${me.accountId}"`), { what: 'revocation notice on the second instance' });
  });

  it('rotates on one instance and detects reuse on the other', async () => {
    const me = await given.citizen(a);
    const b = { ...a, url: bUrl };
    const rotated = await api(b, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } });
    expect(rotated.status).toBe(200);
    const reuse = await api(a, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } });
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await api(b, 'GET', '/auth/session', { token: rotated.body.session.accessToken })).status).toBe(401);
  });
});

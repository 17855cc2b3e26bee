import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, oidcSignIn } from '../support/given.js';
import { CLI_TEST_TIMEOUT_MS, runCli } from '../support/cli.js';

/** The ops CLI against the test app's database and Redis. */
const cli = (t: TestApp, args: string[], env: Record<string, string> = {}) =>
  runCli({ ...t.testEnv.env, ...env }, args);

describe('IAM ops CLI: admin:create and session:issue', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it(
    'admin:create makes an existing account admin at once',
    async () => {
      const me = await given.citizen(t, { login: 'boss-now' });
      const res = await cli(t, ['admin:create', '--email', 'boss-now@dev.heyblue.test']);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/applied to 1 existing account/);
      const session = await api(t, 'GET', '/auth/session', { token: me.accessToken });
      expect(session.body.account.role).toBe('admin');
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'admin:create pre-authorises an e-mail that has not signed in yet; the role is applied at first sign-in',
    async () => {
      const res = await cli(t, ['admin:create', '--email', 'Boss-Later@dev.heyblue.test']);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/applied at first sign-in/);
      const cb = await oidcSignIn(t, 'boss-later');
      expect(cb.status).toBe(200);
      const me = await given.signIn(t, { login: 'boss-later' });
      expect(me.role).toBe('admin');
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'session:issue writes N verified officer sessions that work, and is refused outside dev mode',
    async () => {
      const file = join(tmpdir(), `heyblue-sessions-${process.pid}-${Date.now()}.json`);
      try {
        const res = await cli(t, ['session:issue', '--role', 'officer', '--count', '3', '--out', file]);
        expect(res.code).toBe(0);
        const sessions = JSON.parse(await readFile(file, 'utf8')) as Array<{
          accountId: string;
          role: string;
          accessToken: string;
        }>;
        expect(sessions).toHaveLength(3);
        for (const s of sessions) {
          const who = await api(t, 'GET', '/auth/session', { token: s.accessToken });
          expect(who.status).toBe(200);
          expect(who.body.account).toEqual({ id: s.accountId, role: 'officer' });
        }
        const refused = await cli(t, ['session:issue', '--role', 'officer', '--count', '1', '--out', file], {
          HEYBLUE_DEV_MODE: 'false',
        });
        expect(refused.code).not.toBe(0);
        expect(refused.err).toMatch(/HEYBLUE_DEV_MODE/);
      } finally {
        await rm(file, { force: true });
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

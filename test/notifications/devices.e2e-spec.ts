import { randomBytes } from 'node:crypto';
import { SocketAuthenticator } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, oidcSignIn, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';

const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;

describe('Notifications: push devices (POST/GET/DELETE /me/devices)', () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({ NOTIFICATIONS_MAX_DEVICES_PER_ACCOUNT: '2' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(() => t.close());

  /** A second session of the same account on the same phone. */
  async function secondSession(me: SignedIn): Promise<string> {
    const again = await oidcSignIn(t, me.login, undefined, { deviceId: me.deviceId });
    expect(again.body.status).toBe('active');
    return again.body.session.accessToken as string;
  }

  it('registers, lists (no tokens), registers again idempotently and removes my device', async () => {
    const me = await given.citizen(t);
    const token = apnsToken();
    const created = await api(t, 'POST', '/me/devices', {
      token: me.accessToken,
      body: { platform: 'apns', token },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const again = await api(t, 'POST', '/me/devices', {
      token: me.accessToken,
      body: { platform: 'apns', token },
    });
    expect(again).toMatchObject({ status: 201, body: { id: created.body.id } });

    const list = await api(t, 'GET', '/me/devices', { token: me.accessToken });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      { id: created.body.id, platform: 'apns', createdAt: expect.any(String), current: true },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(
      await prisma.iamAuditEntry.count({ where: { action: 'device_registered', actorId: me.accountId } }),
    ).toBe(1);
    expect(
      JSON.stringify(
        await prisma.iamAuditEntry.findMany({ where: { actorId: me.accountId }, select: { detail: true } }),
      ),
    ).not.toContain(token);

    expect((await api(t, 'DELETE', `/me/devices/${created.body.id}`, { token: me.accessToken })).status).toBe(
      204,
    );
    expect((await api(t, 'GET', '/me/devices', { token: me.accessToken })).body).toEqual([]);
    const gone = await api(t, 'DELETE', `/me/devices/${created.body.id}`, { token: me.accessToken });
    expect(gone).toMatchObject({ status: 404, body: { code: 'DEVICE_NOT_FOUND' } });
  });

  it('answers 404 for another account’s device and leaves it in place', async () => {
    const owner = await given.citizen(t);
    const stranger = await given.citizen(t);
    const { body } = await api(t, 'POST', '/me/devices', {
      token: owner.accessToken,
      body: { platform: 'fcm', token: fcmToken() },
    });
    const res = await api(t, 'DELETE', `/me/devices/${body.id}`, { token: stranger.accessToken });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('DEVICE_NOT_FOUND');
    expect((await api(t, 'GET', '/me/devices', { token: stranger.accessToken })).body).toEqual([]);
    expect((await api(t, 'GET', '/me/devices', { token: owner.accessToken })).body).toHaveLength(1);
  });

  it('refuses bad input with stable codes and stores nothing', async () => {
    const me = await given.citizen(t);
    const cases: Array<[unknown, string]> = [
      [{ platform: 'sms', token: apnsToken() }, 'VALIDATION_FAILED'],
      [{ platform: 'apns' }, 'VALIDATION_FAILED'],
      [{ platform: 'apns', token: 42 }, 'VALIDATION_FAILED'],
      [{ platform: 'apns', token: 'x'.repeat(5000) }, 'VALIDATION_FAILED'],
      [{ platform: 'apns', token: fcmToken() }, 'INVALID_DEVICE_TOKEN'],
      [{ platform: 'fcm', token: `${fcmToken()} <script>` }, 'INVALID_DEVICE_TOKEN'],
      [{ platform: 'apns', token: apnsToken(), accountId: owner() }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await api(t, 'POST', '/me/devices', { token: me.accessToken, body });
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code });
    }
    expect((await api(t, 'DELETE', '/me/devices/not-a-uuid', { token: me.accessToken })).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      (await api(t, 'POST', '/me/devices', { body: { platform: 'apns', token: apnsToken() } })).status,
    ).toBe(401);
    expect(await prisma.notificationsDevice.count({ where: { accountId: me.accountId } })).toBe(0);
  });

  it('moves a token another account registers to that account, and keeps at most the configured number', async () => {
    const first = await given.citizen(t);
    const second = await given.citizen(t);
    const token = fcmToken();
    const a = await api(t, 'POST', '/me/devices', {
      token: first.accessToken,
      body: { platform: 'fcm', token },
    });
    const b = await api(t, 'POST', '/me/devices', {
      token: second.accessToken,
      body: { platform: 'fcm', token },
    });
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect((await api(t, 'GET', '/me/devices', { token: first.accessToken })).body).toEqual([]);
    expect(
      (await api(t, 'GET', '/me/devices', { token: second.accessToken })).body.map(
        (d: { id: string }) => d.id,
      ),
    ).toEqual([b.body.id]);

    const x = await api(t, 'POST', '/me/devices', {
      token: second.accessToken,
      body: { platform: 'apns', token: apnsToken() },
    });
    const y = await api(t, 'POST', '/me/devices', {
      token: second.accessToken,
      body: { platform: 'apns', token: apnsToken() },
    });
    const left = (await api(t, 'GET', '/me/devices', { token: second.accessToken })).body.map(
      (d: { id: string }) => d.id,
    );
    expect(left).toEqual([y.body.id, x.body.id]);
  });

  it('removes the device with its session: logout, and ending the session from another one', async () => {
    const me = await given.citizen(t);
    const other = await secondSession(me);
    const onOther = await api(t, 'POST', '/me/devices', {
      token: other,
      body: { platform: 'apns', token: apnsToken() },
    });
    const onMine = await api(t, 'POST', '/me/devices', {
      token: me.accessToken,
      body: { platform: 'apns', token: apnsToken() },
    });
    const listed = await api(t, 'GET', '/me/devices', { token: me.accessToken });
    expect(listed.body.find((d: { id: string }) => d.id === onOther.body.id).current).toBe(false);

    expect((await api(t, 'POST', '/auth/logout', { token: other })).status).toBe(204);
    await eventually(
      async () =>
        (await api(t, 'GET', '/me/devices', { token: me.accessToken })).body.map((d: { id: string }) => d.id),
      (ids) => ids.length === 1 && ids[0] === onMine.body.id,
      { what: 'the logged-out session’s device removed' },
    );

    const third = await secondSession(me);
    const onThird = await api(t, 'POST', '/me/devices', {
      token: third,
      body: { platform: 'fcm', token: fcmToken() },
    });
    const sessions = await api(t, 'GET', '/me/sessions', { token: third });
    const mine = sessions.body.find((s: { current: boolean }) => !s.current);
    expect((await api(t, 'DELETE', `/me/sessions/${mine.id}`, { token: third })).status).toBe(204);
    await eventually(
      () => prisma.notificationsDevice.findMany({ where: { accountId: me.accountId }, select: { id: true } }),
      (rows) => rows.length === 1 && rows[0]!.id === onThird.body.id,
      { what: 'the ended session’s device removed' },
    );
  });

  it('removes every device of a suspended account', async () => {
    const admin = await given.admin(t);
    const me = await given.citizen(t);
    await api(t, 'POST', '/me/devices', {
      token: me.accessToken,
      body: { platform: 'apns', token: apnsToken() },
    });
    const res = await api(t, 'POST', `/admin/accounts/${me.accountId}/suspend`, { token: admin.accessToken });
    expect(res.status).toBeLessThan(300);
    await eventually(
      () => prisma.notificationsDevice.count({ where: { accountId: me.accountId } }),
      (n) => n === 0,
      {
        what: 'the suspended account’s devices removed',
      },
    );
  });

  it('keeps the devices of an account whose role changed (its sockets close, its sessions live on)', async () => {
    const admin = await given.admin(t);
    const me = await given.citizen(t);
    await api(t, 'POST', '/me/devices', {
      token: me.accessToken,
      body: { platform: 'apns', token: apnsToken() },
    });
    const notices: Array<{ accountId: string; reason?: string }> = [];
    const off = t.app.get(SocketAuthenticator).onAccessRevoked((i) => notices.push(i));
    const res = await api(t, 'POST', `/admin/accounts/${me.accountId}/role`, {
      token: admin.accessToken,
      body: { role: 'officer' },
    });
    expect(res.status).toBe(200);
    await eventually(
      () => notices,
      (l) => l.some((i) => i.accountId === me.accountId && i.reason === 'role_changed'),
      { what: 'the role change notice' },
    );
    off();
    // The removal would have started with the notice, before this test's own listener ran.
    await new Promise((r) => setTimeout(r, 300));
    expect(await prisma.notificationsDevice.count({ where: { accountId: me.accountId } })).toBe(1);
  });

  it('rate limits device writes per account (429 with Retry-After)', async () => {
    const me = await given.citizen(t);
    let limited: { status: number; headers: Headers } | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await api(t, 'POST', '/me/devices', {
        token: me.accessToken,
        body: { platform: 'apns', token: apnsToken() },
      });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(201);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

function owner(): string {
  return '00000000-0000-4000-8000-000000000000';
}

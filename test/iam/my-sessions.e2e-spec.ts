import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, oidcSignIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, disconnected } from '../connections/socket-client.js';

describe('IAM: my sessions (list, end one), admin session age, pruning of ended sessions', () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    // A short admin lifetime and a fast pruner, so expiry and pruning are seen within the test.
    t = await startTestApp({
      IAM_ADMIN_SESSION_TTL_S: '60',
      IAM_SESSION_PRUNE_EVERY_MS: '1000',
      IAM_SESSION_RETENTION_DAYS: '30',
    });
    prisma = t.app.get(PrismaService);
  });
  afterAll(() => t.close());

  it('lists my live sessions with the calling one marked, never anyone else’s', async () => {
    const me = await given.citizen(t, { deviceId: 'phone-1' });
    const again = await oidcSignIn(t, me.login, undefined, { deviceId: 'phone-1' });
    expect(again.body.status).toBe('active');
    const stranger = await given.citizen(t);
    const res = await api(t, 'GET', '/me/sessions', { token: again.body.session.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    for (const s of res.body) {
      expect(s).toEqual({
        id: expect.any(String),
        deviceId: 'phone-1',
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        current: expect.any(Boolean),
      });
    }
    expect(res.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const strangers = await prisma.iamSession.findMany({
      where: { accountId: stranger.accountId },
      select: { id: true },
    });
    expect(res.body.map((s: { id: string }) => s.id)).not.toContain(strangers[0]!.id);
    expect((await api(t, 'GET', '/me/sessions')).status).toBe(401);
  });

  it('ends one of my sessions at once — HTTP 401 and its socket closed — and answers 404 for a stranger’s', async () => {
    const me = await given.citizen(t, { deviceId: 'phone-2' });
    const second = await oidcSignIn(t, me.login, undefined, { deviceId: 'phone-2' });
    const other = second.body.session.accessToken as string;
    const socket = await connect(t, other);
    try {
      const gone = disconnected(socket);
      const list = await api(t, 'GET', '/me/sessions', { token: me.accessToken });
      const target = list.body.find((s: { current: boolean }) => !s.current);
      const ended = await api(t, 'DELETE', `/me/sessions/${target.id}`, { token: me.accessToken });
      expect(ended.status).toBe(204);
      // No waiting for HTTP: the very next request with that session's token is refused.
      const refused = await api(t, 'GET', '/auth/session', { token: other });
      expect(refused.status).toBe(401);
      expect(await gone).toBe('io server disconnect');
      expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
      expect(
        (await api(t, 'GET', '/me/sessions', { token: me.accessToken })).body.map(
          (s: { id: string }) => s.id,
        ),
      ).not.toContain(target.id);
      // Ending it again is a no-op.
      expect((await api(t, 'DELETE', `/me/sessions/${target.id}`, { token: me.accessToken })).status).toBe(
        204,
      );
      expect(
        await prisma.iamAuditEntry.count({ where: { action: 'session_ended', actorId: me.accountId } }),
      ).toBe(1);
    } finally {
      socket.close();
    }

    const stranger = await given.citizen(t);
    const theirs = await prisma.iamSession.findFirstOrThrow({ where: { accountId: stranger.accountId } });
    const notMine = await api(t, 'DELETE', `/me/sessions/${theirs.id}`, { token: me.accessToken });
    expect(notMine.status).toBe(404);
    expect(notMine.body.code).toBe('SESSION_NOT_FOUND');
    expect((await api(t, 'GET', '/auth/session', { token: stranger.accessToken })).status).toBe(200);
    const unknown = await api(t, 'DELETE', '/me/sessions/00000000-0000-4000-8000-000000000000', {
      token: me.accessToken,
    });
    expect(unknown.status).toBe(404);
    const malformed = await api(t, 'DELETE', '/me/sessions/not-a-uuid', { token: me.accessToken });
    expect(malformed.status).toBe(400);
    expect((await api(t, 'DELETE', `/me/sessions/${theirs.id}`)).status).toBe(401);
  });

  it('ends an admin session its configured lifetime after sign-in (401 SESSION_EXPIRED), refresh included; a citizen’s lives on', async () => {
    const admin = await given.admin(t);
    const citizen = await given.citizen(t);
    expect((await api(t, 'GET', '/auth/session', { token: admin.accessToken })).status).toBe(200);
    // Sign-in moved back past the lifetime (60 s here), as if the clock had run.
    const past = new Date(Date.now() - 61_000);
    await prisma.iamSession.updateMany({
      where: { accountId: { in: [admin.accountId, citizen.accountId] } },
      data: { createdAt: past },
    });
    const expired = await api(t, 'GET', '/auth/session', { token: admin.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('SESSION_EXPIRED');
    expect(expired.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const refresh = await api(t, 'POST', '/auth/refresh', { body: { refreshToken: admin.refreshToken } });
    expect(refresh.status).toBe(401);
    expect(
      (await prisma.iamSession.findFirstOrThrow({ where: { accountId: admin.accountId } })).revokedReason,
    ).toBe('expired');
    expect((await api(t, 'GET', '/auth/session', { token: citizen.accessToken })).status).toBe(200);
    expect(
      (await api(t, 'POST', '/auth/refresh', { body: { refreshToken: citizen.refreshToken } })).status,
    ).toBe(200);
  });

  it('prunes sessions that ended before the retention period, with their rotated refresh tokens, and keeps recent ones', async () => {
    const old = await given.citizen(t);
    const rotated = await api(t, 'POST', '/auth/refresh', { body: { refreshToken: old.refreshToken } });
    expect(rotated.status).toBe(200);
    await api(t, 'POST', '/auth/logout', { token: rotated.body.session.accessToken });
    const recent = await given.citizen(t);
    await api(t, 'POST', '/auth/logout', { token: recent.accessToken });
    const oldSession = await prisma.iamSession.findFirstOrThrow({ where: { accountId: old.accountId } });
    await prisma.iamSession.update({
      where: { id: oldSession.id },
      data: { revokedAt: new Date(Date.now() - 31 * 86_400_000) },
    });
    await eventually(
      () => prisma.iamSession.count({ where: { id: oldSession.id } }),
      (n) => n === 0,
      { what: 'the old ended session pruned' },
    );
    expect(await prisma.iamRotatedRefreshToken.count({ where: { sessionId: oldSession.id } })).toBe(0);
    expect(await prisma.iamSession.count({ where: { accountId: recent.accountId } })).toBe(1);
  });
});

import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { IamApi, SessionService, SocketAuthenticator } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, oidcSignIn } from '../support/given.js';
import { eventually } from '../support/poll.js';

/** A socket.io server guarded by IAM's SocketAuthenticator, as the Connections gateway uses it. */
async function guardedSocketServer(
  auth: SocketAuthenticator,
): Promise<{ url: string; close: () => Promise<void> }> {
  const http: HttpServer = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  server.use((socket, next) => {
    auth
      .authenticate(String(socket.handshake.auth?.token ?? ''))
      .then((account) => {
        socket.data.account = account;
        next();
      })
      .catch((err: { code?: string; status?: number }) =>
        next(Object.assign(new Error('unauthorized'), { data: { code: err.code, status: err.status } })),
      );
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function handshake(url: string, token: string): Promise<{ ok: true } | { ok: false; data: unknown }> {
  return new Promise((resolve) => {
    const socket = connect(url, { transports: ['websocket'], auth: { token }, reconnection: false });
    socket.on('connect', () => {
      socket.close();
      resolve({ ok: true });
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      resolve({ ok: false, data: err.data });
    });
  });
}

describe('IAM sessions: refresh rotation, theft detection, logout, suspension, roles', () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    // A small per-account limit on GET /auth/session proves limits can count per account.
    t = await startTestApp({ RATE_LIMITS: 'iam-session=8/60' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(() => t.close());

  it('answers 401 without a token and with an unknown one', async () => {
    const none = await api(t, 'GET', '/auth/session');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('UNAUTHORIZED');
    const bogus = await api(t, 'GET', '/auth/session', { token: 'hba_nope' });
    expect(bogus.status).toBe(401);
    expect(bogus.body.code).toBe('TOKEN_INVALID');
  });

  it('refuses an expired access token with 401 TOKEN_INVALID (GET /me and the session route alike)', async () => {
    const me = await given.citizen(t);
    expect((await api(t, 'GET', '/me', { token: me.accessToken })).status).toBe(200);
    await prisma.iamSession.updateMany({
      where: { accountId: me.accountId },
      data: { accessExpiresAt: new Date(Date.now() - 1_000) },
    });
    for (const path of ['/me', '/auth/session']) {
      const res = await api(t, 'GET', path, { token: me.accessToken });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_INVALID');
    }
  });

  it('accepts the token only in the Authorization header, never in the URL', async () => {
    const me = await given.citizen(t);
    const res = await api(t, 'GET', `/auth/session?access_token=${me.accessToken}`);
    expect(res.status).toBe(401);
  });

  it('counts per-account rate limits by account, whatever the client IP', async () => {
    const me = await given.citizen(t);
    for (let i = 0; i < 8; i++)
      expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
    const limited = await api(t, 'GET', '/auth/session', { token: me.accessToken });
    expect(limited.status).toBe(429);
    const other = await given.citizen(t);
    expect((await api(t, 'GET', '/auth/session', { token: other.accessToken })).status).toBe(200);
  });

  it('looks a bearer token up only where the route needs the account, and once per request', async () => {
    const me = await given.citizen(t);
    const sessions = t.app.get(SessionService);
    const authenticate = sessions.authenticate.bind(sessions);
    let lookups = 0;
    sessions.authenticate = (token: string) => (lookups++, authenticate(token));
    try {
      expect((await api(t, 'GET', '/health/live', { token: me.accessToken })).status).toBe(200);
      expect(lookups).toBe(0);
      // Limited per account and signed-in only: the rate-limit guard and @Auth() share one lookup.
      expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
      expect(lookups).toBe(1);
    } finally {
      Reflect.deleteProperty(sessions, 'authenticate'); // back to the prototype's method
    }
  });

  it('rotates the refresh token: the new pair works, the old access token stops', async () => {
    const me = await given.citizen(t);
    const ok = await api(t, 'GET', '/auth/session', { token: me.accessToken });
    expect(ok.status).toBe(200);
    expect(ok.body.account).toEqual({ id: me.accountId, role: 'citizen' });

    const r = await api(t, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } });
    expect(r.status).toBe(200);
    // Exactly the contract's {session}: nothing internal (session id, hashes) next to it.
    expect(r.body).toEqual({
      session: {
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        accessTokenExpiresAt: expect.any(String),
        account: { id: me.accountId, role: 'citizen' },
      },
    });
    expect(new Date(r.body.session.accessTokenExpiresAt).toISOString()).toBe(
      r.body.session.accessTokenExpiresAt,
    );
    expect(r.body.session.refreshToken).not.toBe(me.refreshToken);
    expect((await api(t, 'GET', '/auth/session', { token: r.body.session.accessToken })).status).toBe(200);
    expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).body.code).toBe('TOKEN_INVALID');
  });

  it('revokes the whole session when a rotated refresh token is used again (theft detection)', async () => {
    const me = await given.citizen(t);
    const r1 = await api(t, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } });
    expect(r1.status).toBe(200);
    const reuse = await api(t, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    // The thief's (or the owner's) newer tokens are dead too.
    const newer = await api(t, 'POST', '/auth/refresh', {
      body: { refreshToken: r1.body.session.refreshToken },
    });
    expect(newer.status).toBe(401);
    expect(newer.body.code).toBe('REFRESH_TOKEN_INVALID');
    expect((await api(t, 'GET', '/auth/session', { token: r1.body.session.accessToken })).status).toBe(401);
    const session = await prisma.iamSession.findFirst({ where: { accountId: me.accountId } });
    expect(session?.revokedReason).toBe('refresh_reuse');
  });

  it('treats two concurrent refreshes with one token as reuse: one rotates, the other is REFRESH_TOKEN_REUSED and the session ends', async () => {
    const me = await given.citizen(t);
    const both = await Promise.all(
      [1, 2].map(() => api(t, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = both.find((r) => r.status === 200)!;
    expect(both.find((r) => r.status === 401)!.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await api(t, 'GET', '/auth/session', { token: winner.body.session.accessToken })).status).toBe(
      401,
    );
    expect(await prisma.iamSession.count({ where: { accountId: me.accountId, revokedAt: null } })).toBe(0);
  });

  it('refuses a refresh without a token or with a non-string one (400) and leaves the session alone', async () => {
    const me = await given.citizen(t);
    for (const body of [{}, { refreshToken: 42 }, { refreshToken: '' }]) {
      const res = await api(t, 'POST', '/auth/refresh', { body });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'refreshToken' })]),
      );
    }
    expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
  });

  it('answers a second logout with the same token, and a logout without one, with 401', async () => {
    const me = await given.citizen(t);
    expect((await api(t, 'POST', '/auth/logout', { token: me.accessToken })).status).toBe(204);
    expect((await api(t, 'POST', '/auth/logout', { token: me.accessToken })).status).toBe(401);
    expect((await api(t, 'POST', '/auth/logout')).status).toBe(401);
  });

  it('rejects an unknown refresh token and leaves sessions alone', async () => {
    const me = await given.citizen(t);
    const res = await api(t, 'POST', '/auth/refresh', { body: { refreshToken: 'hbr_unknown' } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('REFRESH_TOKEN_INVALID');
    expect((await api(t, 'GET', '/auth/session', { token: me.accessToken })).status).toBe(200);
  });

  it('logout ends the session at once: 401 on HTTP, refused socket handshake, refresh dead, listeners told', async () => {
    const auth = t.app.get(SocketAuthenticator);
    const sockets = await guardedSocketServer(auth);
    try {
      const me = await given.citizen(t);
      expect(await handshake(sockets.url, me.accessToken)).toEqual({ ok: true });
      const revoked: Array<{ accountId: string; sessionId?: string }> = [];
      const off = auth.onAccessRevoked((info) => revoked.push(info));

      const out = await api(t, 'POST', '/auth/logout', { token: me.accessToken });
      expect(out.status).toBe(204);

      const after = await api(t, 'GET', '/auth/session', { token: me.accessToken });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('TOKEN_INVALID');
      expect(await handshake(sockets.url, me.accessToken)).toEqual({
        ok: false,
        data: { code: 'TOKEN_INVALID', status: 401 },
      });
      expect(
        (await api(t, 'POST', '/auth/refresh', { body: { refreshToken: me.refreshToken } })).body.code,
      ).toBe('REFRESH_TOKEN_INVALID');
      await eventually(
        () => revoked,
        (r) => r.some((i) => i.accountId === me.accountId && typeof i.sessionId === 'string'),
        { what: 'access revoked notice' },
      );
      off();
      const audit = await prisma.iamAuditEntry.findFirst({
        where: { action: 'logout', actorId: me.accountId },
      });
      expect(audit).not.toBeNull();
    } finally {
      await sockets.close();
    }
  });

  it('suspension rejects the account on every request and at sign-in', async () => {
    const admin = await given.admin(t);
    const victim = await given.citizen(t);
    const res = await api(t, 'POST', `/admin/accounts/${victim.accountId}/suspend`, {
      token: admin.accessToken,
      headers: { 'user-agent': 'admin-test' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: victim.accountId, status: 'suspended' });

    const req = await api(t, 'GET', '/auth/session', { token: victim.accessToken });
    expect(req.status).toBe(403);
    expect(req.body.code).toBe('ACCOUNT_SUSPENDED');
    expect(
      (await api(t, 'POST', '/auth/refresh', { body: { refreshToken: victim.refreshToken } })).status,
    ).toBe(401);
    const again = await oidcSignIn(t, victim.login);
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('ACCOUNT_SUSPENDED');
    expect(await prisma.iamSession.count({ where: { accountId: victim.accountId, revokedAt: null } })).toBe(
      0,
    );

    const audit = await api(t, 'GET', `/admin/audit?targetId=${victim.accountId}`, {
      token: admin.accessToken,
    });
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['account_suspended', 'sign_in_failed']));
    const suspension = audit.body.items.find((e: { action: string }) => e.action === 'account_suspended');
    expect(suspension).toMatchObject({
      actorId: admin.accountId,
      targetId: victim.accountId,
      userAgent: 'admin-test',
      ip: expect.any(String),
      at: expect.any(String),
    });
    expect(await prisma.outboxEvent.count({ where: { type: 'AccountSuspended' } })).toBe(1);
  });

  it('lets an admin change a role and refuses the admin endpoints to others (403) without changing anything', async () => {
    const admin = await given.admin(t);
    const citizen = await given.citizen(t);
    const other = await given.citizen(t);

    const denied = await api(t, 'POST', `/admin/accounts/${other.accountId}/role`, {
      token: citizen.accessToken,
      body: { role: 'admin' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('FORBIDDEN');
    const suspendDenied = await api(t, 'POST', `/admin/accounts/${other.accountId}/suspend`, {
      token: citizen.accessToken,
    });
    expect(suspendDenied.status).toBe(403);
    const auditDenied = await api(t, 'GET', `/admin/audit?actorId=${other.accountId}`, {
      token: citizen.accessToken,
    });
    expect(auditDenied.status).toBe(403);
    expect(auditDenied.body.code).toBe('FORBIDDEN');
    expect(await prisma.iamAccount.findUnique({ where: { id: other.accountId } })).toMatchObject({
      role: 'citizen',
      status: 'active',
    });

    const changed = await api(t, 'POST', `/admin/accounts/${other.accountId}/role`, {
      token: admin.accessToken,
      body: { role: 'officer' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ id: other.accountId, role: 'officer' });
    // The role counts on the next request with the same token.
    expect((await api(t, 'GET', '/auth/session', { token: other.accessToken })).body.account.role).toBe(
      'officer',
    );
    expect((await api(t, 'GET', '/me', { token: other.accessToken })).body.account).toEqual({
      id: other.accountId,
      role: 'officer',
      phone: `+1******${other.phone.slice(-4)}`,
    });
    const bad = await api(t, 'POST', `/admin/accounts/${other.accountId}/role`, {
      token: admin.accessToken,
      body: { role: 'king' },
    });
    expect(bad.status).toBe(400);
    const unknown = await api(t, 'POST', '/admin/accounts/00000000-0000-4000-8000-000000000000/role', {
      token: admin.accessToken,
      body: { role: 'officer' },
    });
    expect(unknown.status).toBe(404);
    const own = await api(t, 'POST', `/admin/accounts/${admin.accountId}/suspend`, {
      token: admin.accessToken,
    });
    expect(own.status).toBe(422);
    expect(own.body.code).toBe('OWN_ACCOUNT');
    expect((await api(t, 'GET', '/auth/session', { token: admin.accessToken })).status).toBe(200);
  });

  it('records one role change and one event when an admin sends the same change several times at once, and none for a repeat', async () => {
    const admin = await given.admin(t);
    const target = await given.citizen(t);
    const path = `/admin/accounts/${target.accountId}/role`;
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => api(t, 'POST', path, { token: admin.accessToken, body: { role: 'officer' } })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(
      (await api(t, 'POST', path, { token: admin.accessToken, body: { role: 'officer' } })).body,
    ).toEqual({ id: target.accountId, role: 'officer' });
    const events = await prisma.outboxEvent.findMany({ where: { type: 'AccountRoleChanged' } });
    expect(
      events.filter((e) => (e.payload as { accountId: string }).accountId === target.accountId),
    ).toHaveLength(1);
    expect(
      await prisma.iamAuditEntry.count({ where: { action: 'role_changed', targetId: target.accountId } }),
    ).toBe(1);
  });

  it('suspends once: a repeat (also concurrent) answers 200 again without a second event or audit entry', async () => {
    const admin = await given.admin(t);
    const target = await given.citizen(t);
    const path = `/admin/accounts/${target.accountId}/suspend`;
    const answers = await Promise.all(
      [1, 2, 3].map(() => api(t, 'POST', path, { token: admin.accessToken })),
    );
    expect(answers.map((a) => a.body)).toEqual(Array(3).fill({ id: target.accountId, status: 'suspended' }));
    expect((await api(t, 'POST', path, { token: admin.accessToken })).status).toBe(200);
    const events = await prisma.outboxEvent.findMany({ where: { type: 'AccountSuspended' } });
    expect(
      events.filter((e) => (e.payload as { accountId: string }).accountId === target.accountId),
    ).toHaveLength(1);
    expect(
      await prisma.iamAuditEntry.count({
        where: { action: 'account_suspended', targetId: target.accountId },
      }),
    ).toBe(1);
  });

  it('refuses admin calls with bad input (400), unknown accounts (404) and no token (401), changing nothing', async () => {
    const admin = await given.admin(t);
    const target = await given.citizen(t);
    const role = (id: string, body: unknown, token?: string) =>
      api(t, 'POST', `/admin/accounts/${id}/role`, { token, body });
    for (const body of [{}, { role: null }, { role: 'ADMIN' }, { role: 'officer', extra: 1 }]) {
      const res = await role(target.accountId, body, admin.accessToken);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await role('not-a-uuid', { role: 'officer' }, admin.accessToken)).body).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: 'id' })],
    });
    expect(
      (await api(t, 'POST', '/admin/accounts/not-a-uuid/suspend', { token: admin.accessToken })).status,
    ).toBe(400);
    const unknown = await api(t, 'POST', '/admin/accounts/00000000-0000-4000-8000-000000000000/suspend', {
      token: admin.accessToken,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await role(target.accountId, { role: 'admin' })).status).toBe(401);
    expect((await api(t, 'POST', `/admin/accounts/${target.accountId}/suspend`)).status).toBe(401);
    expect((await api(t, 'GET', '/admin/audit')).status).toBe(401);
    const own = await role(admin.accountId, { role: 'citizen' }, admin.accessToken);
    expect(own.status).toBe(422);
    expect(own.body.code).toBe('OWN_ACCOUNT');
    expect(await prisma.iamAccount.findUnique({ where: { id: target.accountId } })).toMatchObject({
      role: 'citizen',
      status: 'active',
    });
    expect(await prisma.iamAccount.findUnique({ where: { id: admin.accountId } })).toMatchObject({
      role: 'admin',
      status: 'active',
    });
  });

  it('pages the audit trail newest first with a cursor', async () => {
    const admin = await given.admin(t);
    const first = await api(t, 'GET', '/admin/audit?limit=2', { token: admin.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api(t, 'GET', `/admin/audit?limit=2&cursor=${first.body.nextCursor}`, {
      token: admin.accessToken,
    });
    expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
    expect(new Date(second.body.items[0].at).getTime()).toBeLessThanOrEqual(
      new Date(first.body.items[1].at).getTime(),
    );
  });

  it('pages the audit trail by ?limit (default 20) and an opaque cursor until nextCursor is null', async () => {
    const admin = await given.admin(t);
    const action = `paging_check_${Date.now()}`;
    for (let i = 0; i < 21; i++)
      await t.app.get(IamApi).recordAudit({ actorId: null, action, detail: { i } });
    const first = await api(t, 'GET', `/admin/audit?action=${action}`, { token: admin.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { detail: { i: number } }) => e.detail.i)).toEqual(
      Array.from({ length: 20 }, (_, k) => 20 - k),
    );
    const last = await api(t, 'GET', `/admin/audit?action=${action}&cursor=${first.body.nextCursor}`, {
      token: admin.accessToken,
    });
    expect(last.body).toEqual({
      items: [expect.objectContaining({ action, detail: { i: 0 } })],
      nextCursor: null,
    });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    // A well-formed cursor whose key is not a sequence number.
    [`cursor=${Buffer.from('["x"]').toString('base64url')}`, 'cursor'],
    ['actorId=not-a-uuid', 'actorId'],
  ])('refuses the audit query %s with 400 naming the field', async (query, field) => {
    const admin = await given.admin(t);
    const res = await api(t, 'GET', `/admin/audit?${query}`, { token: admin.accessToken });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('stores e-mails and phones only encrypted, and masks the phone for other contexts', async () => {
    const me = await given.citizen(t, { login: 'cipher-check' });
    const row = await prisma.iamAccount.findUnique({ where: { id: me.accountId } });
    expect(row!.emailCipher).not.toContain('cipher-check');
    expect(row!.phoneCipher).not.toContain(me.phone.slice(2));
    expect(row!.piiKeyId).toBe('dev-1');
    const view = await t.app.get(IamApi).getAccount(me.accountId);
    expect(view).toEqual({
      id: me.accountId,
      role: 'citizen',
      status: 'active',
      phoneMasked: `+1******${me.phone.slice(-4)}`,
    });
    // The signed-in caller's view comes from the facts read with the token: the same answer.
    const caller = await t.app.get(SessionService).authenticate(me.accessToken);
    expect(await t.app.get(IamApi).signedInAccount(caller)).toEqual(view);
    expect(await t.app.get(IamApi).signedInAccount({ id: me.accountId })).toEqual(view);
  });
});

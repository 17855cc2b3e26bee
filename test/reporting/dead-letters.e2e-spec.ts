import { DeadLetterService, encodeCursor, PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';

/** GET /admin/dead-letters and replay over the platform's dead-letter store. */
describe('admin dead letters', () => {
  let t: TestApp;
  let admin: SignedIn;
  let store: DeadLetterService;
  const replayed: Array<{ id: string; target: string; payload: unknown }> = [];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await given.admin(t);
    store = t.app.get(DeadLetterService);
    // A context-owned replayer, as social registers for its posts.
    store.registerReplayer('e2e', async (dl) => {
      if ((dl.payload as { fail?: boolean }).fail) throw new Error('still broken');
      replayed.push({ id: dl.id, target: dl.target, payload: dl.payload });
    });
    for (let i = 0; i < 3; i++)
      await store.record({
        source: 'e2e',
        target: `adapter-${i}`,
        payload: { n: i },
        error: `boom ${i}\nstack`,
        attempts: 5,
      });
    await store.record({
      source: 'e2e',
      target: 'adapter-bad',
      payload: { fail: true },
      error: 'bad',
      attempts: 5,
    });
  });
  afterAll(() => t.close());

  it('lists newest first with cursor paging and first error lines only', async () => {
    const first = await api(t, 'GET', '/admin/dead-letters?limit=3', { token: admin.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items[0]).toMatchObject({
      source: 'e2e',
      target: 'adapter-bad',
      attempts: 5,
      replayedAt: null,
      replayCount: 0,
    });
    expect(first.body.items.map((i: { error: string }) => i.error)).toEqual(['bad', 'boom 2', 'boom 1']);
    const second = await api(t, 'GET', `/admin/dead-letters?limit=3&cursor=${first.body.nextCursor}`, {
      token: admin.accessToken,
    });
    expect(second.body.items.map((i: { target: string }) => i.target)).toEqual(['adapter-0']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('replays through the registered replayer once, audits it, and refuses a second replay', async () => {
    const list = await api(t, 'GET', '/admin/dead-letters', { token: admin.accessToken });
    const target = list.body.items.find((i: { target: string }) => i.target === 'adapter-1');
    const res = await api(t, 'POST', `/admin/dead-letters/${target.id}/replay`, {
      token: admin.accessToken,
      headers: { 'user-agent': 'dashboard-test' },
    });
    expect(res).toMatchObject({ status: 202, body: { id: target.id, status: 'replayed' } });
    expect(replayed).toEqual([{ id: target.id, target: 'adapter-1', payload: { n: 1 } }]);
    const again = await api(t, 'POST', `/admin/dead-letters/${target.id}/replay`, {
      token: admin.accessToken,
    });
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_REPLAYED' } });
    const pending = await api(t, 'GET', '/admin/dead-letters?pending=true', { token: admin.accessToken });
    expect(pending.body.items.map((i: { target: string }) => i.target)).not.toContain('adapter-1');
    const audit = await t.app
      .get(PrismaService)
      .iamAuditEntry.findFirst({ where: { action: 'dead_letter_replayed', targetId: target.id } });
    expect(audit).toMatchObject({
      actorId: admin.accountId,
      userAgent: 'dashboard-test',
      ip: expect.any(String),
    });
  });

  it('keeps a dead letter pending when its replay fails', async () => {
    const list = await api(t, 'GET', '/admin/dead-letters', { token: admin.accessToken });
    const bad = list.body.items.find((i: { target: string }) => i.target === 'adapter-bad');
    const res = await api(t, 'POST', `/admin/dead-letters/${bad.id}/replay`, { token: admin.accessToken });
    expect(res).toMatchObject({ status: 502, body: { code: 'REPLAY_FAILED' } });
    const after = await api(t, 'GET', '/admin/dead-letters?pending=true', { token: admin.accessToken });
    expect(after.body.items.map((i: { target: string }) => i.target)).toContain('adapter-bad');
  });

  it('answers 404 for unknown ids, 400 for bad parameters and 403 for non-admins', async () => {
    expect(
      (
        await api(t, 'POST', '/admin/dead-letters/6f1c1b0e-0000-4000-8000-000000000000/replay', {
          token: admin.accessToken,
        })
      ).status,
    ).toBe(404);
    expect((await api(t, 'GET', '/admin/dead-letters?limit=0', { token: admin.accessToken })).status).toBe(
      400,
    );
    expect(
      (await api(t, 'POST', '/admin/dead-letters/not-a-uuid/replay', { token: admin.accessToken })).status,
    ).toBe(400);
    const citizen = await given.citizen(t);
    expect((await api(t, 'GET', '/admin/dead-letters', { token: citizen.accessToken })).status).toBe(403);
    const list = await api(t, 'GET', '/admin/dead-letters', { token: admin.accessToken });
    const some = list.body.items[0].id as string;
    expect(
      (await api(t, 'POST', `/admin/dead-letters/${some}/replay`, { token: citizen.accessToken })).status,
    ).toBe(403);
    expect((await api(t, 'GET', '/admin/dead-letters')).status).toBe(401);
  });

  it('answers 400 VALIDATION_FAILED on cursor for a cursor it did not make', async () => {
    for (const cursor of ['garbage!', encodeCursor(['not-a-uuid']), encodeCursor([1, 2])]) {
      const res = await api(t, 'GET', `/admin/dead-letters?cursor=${encodeURIComponent(cursor)}`, {
        token: admin.accessToken,
      });
      expect(res).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED', errors: [{ field: 'cursor' }] },
      });
    }
  });

  it('audits every listing', async () => {
    const prisma = t.app.get(PrismaService);
    const before = await prisma.iamAuditEntry.count({
      where: { action: 'dead_letters_listed', actorId: admin.accountId },
    });
    await api(t, 'GET', '/admin/dead-letters?pending=true', { token: admin.accessToken });
    expect(
      await prisma.iamAuditEntry.count({
        where: { action: 'dead_letters_listed', actorId: admin.accountId },
      }),
    ).toBe(before + 1);
  });
});

import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { offset, settle } from './socket-client.js';

describe('connections: accepting a request', () => {
  let t: TestApp;
  const spot = { lat: 42.3601, lng: -71.0589 };

  beforeAll(async () => {
    // The citizen walks 400 m away and back between calls: a GPS allowance that makes that
    // plausible at once (the speed check itself is tested in officer-privacy.e2e-spec.ts).
    t = await startTestApp({ CONNECTIONS_JUMP_SLACK_M: '1000' });
  });
  afterAll(async () => {
    if (t) await settle(t);
    await t?.close();
  });

  async function pair(): Promise<{ officer: SignedIn; citizen: SignedIn; requestId: string }> {
    const [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    expect(
      (await api(t, 'POST', '/connections/availability', { token: officer.accessToken, body: spot })).status,
    ).toBe(201);
    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(spot, 50, 0),
        })
      ).status,
    ).toBe(200);
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    return { officer, citizen, requestId: req.body.requestId };
  }

  it('re-checks both latest positions: refused while the citizen is too far, accepted once back', async () => {
    const { officer, citizen, requestId } = await pair();
    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(spot, 450, 0),
        })
      ).status,
    ).toBe(200);
    const far = await api(t, 'POST', `/connections/requests/${requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(far.status).toBe(422);
    expect(far.body.code).toBe('TOO_FAR');

    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(spot, 60, 0),
        })
      ).status,
    ).toBe(200);
    const ok = await api(t, 'POST', `/connections/requests/${requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(ok.status).toBe(200);
    // A retried accept answers the same connection.
    const retry = await api(t, 'POST', `/connections/requests/${requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(retry.status).toBe(200);
    expect(retry.body.connection.id).toBe(ok.body.connection.id);
  });

  it('establishes exactly one connection and one event when the same request is accepted concurrently', async () => {
    const { officer, requestId } = await pair();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        api(t, 'POST', `/connections/requests/${requestId}/accept`, { token: officer.accessToken }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const ids = new Set(answers.filter((a) => a.status === 200).map((a) => a.body.connection.id));
    expect(ids.size).toBe(1);
    const prisma = t.app.get(PrismaService);
    expect(await prisma.connectionsConnection.count({ where: { requestId } })).toBe(1);
    const events = await prisma.outboxEvent.findMany({ where: { type: 'ConnectionEstablished' } });
    expect(
      events.filter((e) => (e.payload as { connectionId: string }).connectionId === [...ids][0]),
    ).toHaveLength(1);
  });

  it('lists my connections newest first, page by page (?limit, ?cursor), and refuses bad paging input', async () => {
    const officer = await given.officer(t);
    const citizens = await Promise.all([given.citizen(t), given.citizen(t), given.citizen(t)]);
    expect(
      (await api(t, 'POST', '/connections/availability', { token: officer.accessToken, body: spot })).status,
    ).toBe(201);
    const ids: string[] = [];
    for (const c of citizens) {
      expect(
        (await api(t, 'POST', '/connections/presence', { token: c.accessToken, body: offset(spot, 40, 0) }))
          .status,
      ).toBe(200);
      const req = await api(t, 'POST', '/connections/requests', {
        token: c.accessToken,
        body: { officerId: officer.accountId },
      });
      const ok = await api(t, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
        token: officer.accessToken,
      });
      expect(ok.status).toBe(200);
      ids.push(ok.body.connection.id);
    }
    const first = await api(t, 'GET', '/connections?limit=2', { token: officer.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api(t, 'GET', `/connections?limit=2&cursor=${first.body.nextCursor}`, {
      token: officer.accessToken,
    });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      items: [
        expect.objectContaining({
          id: ids[0],
          officerId: officer.accountId,
          citizenId: citizens[0]!.accountId,
        }),
      ],
      nextCursor: null,
    });
    // Default limit (20): everything on one page; a citizen sees only their own.
    expect((await api(t, 'GET', '/connections', { token: officer.accessToken })).body.items).toHaveLength(3);
    const mine = await api(t, 'GET', '/connections', { token: citizens[1]!.accessToken });
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([ids[1]]);

    const forged = Buffer.from(JSON.stringify(['yesterday', 'not-a-uuid'])).toString('base64url');
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'cursor=%%%', `cursor=${forged}`]) {
      const bad = await api(t, 'GET', `/connections?${q}`, { token: officer.accessToken });
      expect([q, bad.status, bad.body.code]).toEqual([q, 400, 'VALIDATION_FAILED']);
    }
  });

  it('never stores a raw position with the connection', async () => {
    const prisma = t.app.get(PrismaService);
    const rows = await prisma.$queryRaw<Array<{ column_name: string }>>`
      SELECT column_name FROM information_schema.columns WHERE table_name = 'connections_connection'`;
    expect(rows.map((r) => r.column_name).sort()).toEqual(
      [
        'citizen_id',
        'citizen_points',
        'cell',
        'earns_points',
        'established_at',
        'id',
        'no_points_reason',
        'officer_id',
        'officer_points',
        'request_id',
        'zip',
      ].sort(),
    );
    const events = await prisma.outboxEvent.findMany({ where: { type: 'ConnectionEstablished' } });
    for (const e of events) expect(JSON.stringify(e.payload)).not.toMatch(/"(lat|lng)"/);
  });
});

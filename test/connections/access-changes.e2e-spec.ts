import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, disconnected, Inbox, offset, sendLocation, settle } from './socket-client.js';

const SPOT = { lat: 39.7392, lng: -104.9903 };
const BOX = '-105.2,39.6,-104.8,39.9';
/** "At once": the reaction goes out with the admin's answer; the wait only absorbs a loaded machine (polled gently: `nearby` is rate limited). */
const AT_ONCE = { timeoutMs: 5_000, intervalMs: 200 };

/** The reason the server closed the socket, or 'still open' after AT_ONCE. */
function closedAtOnce(s: Socket): Promise<string> {
  return Promise.race([
    disconnected(s),
    new Promise<string>((r) => setTimeout(() => r('still open'), AT_ONCE.timeoutMs).unref()),
  ]);
}

/**
 * A role change or a suspension reaches the account's open sockets at once, and a demoted or
 * suspended officer leaves the index, the live map and their pending requests immediately.
 */
describe('connections: role changes and suspensions reach open sockets and the index at once', () => {
  let t: TestApp;
  let admin: SignedIn;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await given.admin(t);
  });
  afterAll(async () => {
    if (t) await settle(t);
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  const socketOf = async (who: { accessToken: string }): Promise<Socket> => {
    const s = await connect(t, who.accessToken);
    sockets.push(s);
    return s;
  };
  const nearbyIds = async (citizen: SignedIn): Promise<string[]> => {
    const res = await api(t, 'GET', '/connections/nearby', { token: citizen.accessToken });
    expect(res.status).toBe(200);
    return res.body.nearby.map((n: { officerId: string }) => n.officerId);
  };
  const mapOfficerIds = async (): Promise<string[]> => {
    const res = await api(t, 'GET', `/admin/live-map?bbox=${BOX}`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    return res.body.officers.map((o: { accountId: string }) => o.accountId);
  };
  const pending = async (who: SignedIn): Promise<string[]> => {
    const res = await api(t, 'GET', '/connections/requests?status=pending', { token: who.accessToken });
    expect(res.status).toBe(200);
    return res.body.items.map((r: { requestId: string }) => r.requestId);
  };

  /** An officer with an open window and a socket, a citizen next to them with a socket and a pending request. */
  async function scene(at: { lat: number; lng: number }) {
    const [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    const window = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: at,
    });
    expect(window.status).toBe(201);
    const officerSocket = await socketOf(officer);
    const officerInbox = new Inbox(officerSocket);
    const citizenSocket = await socketOf(citizen);
    const citizenInbox = new Inbox(citizenSocket);
    const shared = await sendLocation(citizenSocket, offset(at, 60, 0));
    expect(shared.ok).toBe(true);
    expect(shared.nearby.map((n: { officerId: string }) => n.officerId)).toContain(officer.accountId);
    const asked = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(asked.status).toBe(201);
    expect(await nearbyIds(citizen)).toContain(officer.accountId);
    expect(await mapOfficerIds()).toContain(officer.accountId);
    expect(await pending(officer)).toEqual([asked.body.requestId]);
    return {
      officer,
      citizen,
      officerSocket,
      officerInbox,
      citizenSocket,
      citizenInbox,
      requestId: asked.body.requestId as string,
      windowId: window.body.windowId as string,
    };
  }

  it('a demoted officer: the socket is closed, they leave nearby and the live map, their pending request is declined; the token still works as a citizen', async () => {
    const s = await scene(SPOT);
    const closed = closedAtOnce(s.officerSocket);

    const demoted = await api(t, 'POST', `/admin/accounts/${s.officer.accountId}/role`, {
      token: admin.accessToken,
      body: { role: 'citizen' },
    });
    expect(demoted.status).toBe(200);

    expect(await closed).toBe('io server disconnect');
    await eventually(
      () => nearbyIds(s.citizen),
      (ids) => !ids.includes(s.officer.accountId),
      { ...AT_ONCE, what: 'demoted officer gone from nearby' },
    );
    expect(await mapOfficerIds()).not.toContain(s.officer.accountId);
    await eventually(
      () => s.citizenInbox.of('connection.declined'),
      (l) => l.some((e) => e.requestId === s.requestId),
      { ...AT_ONCE, what: 'connection.declined to the citizen' },
    );
    expect(await pending(s.citizen)).toEqual([]);
    // The citizen's socket was left alone.
    expect(s.citizenSocket.connected).toBe(true);

    // Same token, new role: no officer routes, and a new socket is a citizen's.
    const reopen = await api(t, 'POST', '/connections/availability', {
      token: s.officer.accessToken,
      body: SPOT,
    });
    expect(reopen.status).toBe(403);
    const again = await socketOf(s.officer);
    const ack = await sendLocation(again, offset(SPOT, 30, 0));
    expect(ack).toMatchObject({ ok: true, nearby: expect.any(Array) });
    expect(await mapOfficerIds()).not.toContain(s.officer.accountId);
  });

  it('a suspended officer: the socket is closed, the token refused, gone from nearby, the live map and the pending list', async () => {
    const at = offset(SPOT, 3_000, 3_000);
    const s = await scene(at);
    const closed = closedAtOnce(s.officerSocket);

    const res = await api(t, 'POST', `/admin/accounts/${s.officer.accountId}/suspend`, {
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);

    expect(await closed).toBe('io server disconnect');
    const refused = await api(t, 'GET', '/connections/requests?status=pending', {
      token: s.officer.accessToken,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ACCOUNT_SUSPENDED');
    await expect(connect(t, s.officer.accessToken)).rejects.toThrow();
    await eventually(
      () => nearbyIds(s.citizen),
      (ids) => !ids.includes(s.officer.accountId),
      { ...AT_ONCE, what: 'suspended officer gone from nearby' },
    );
    expect(await mapOfficerIds()).not.toContain(s.officer.accountId);
    await eventually(
      () => pending(s.citizen),
      (ids) => ids.length === 0,
      {
        ...AT_ONCE,
        what: 'request to the suspended officer ended',
      },
    );
    expect(s.citizenInbox.of('connection.declined')).toEqual([{ requestId: s.requestId }]);
  });

  it('a suspended citizen: the socket is closed, the token refused, out of the live map counts, and their request can no longer be accepted', async () => {
    const at = offset(SPOT, -3_000, -3_000);
    const s = await scene(at);
    const closed = closedAtOnce(s.citizenSocket);
    const cellCount = async (): Promise<number> => {
      const res = await api(t, 'GET', `/admin/live-map?bbox=${BOX}`, { token: admin.accessToken });
      return res.body.citizens.reduce((n: number, c: { count: number }) => n + c.count, 0);
    };
    const before = await cellCount();
    expect(before).toBeGreaterThanOrEqual(1);

    const res = await api(t, 'POST', `/admin/accounts/${s.citizen.accountId}/suspend`, {
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);

    expect(await closed).toBe('io server disconnect');
    const me = await api(t, 'GET', '/connections/nearby', { token: s.citizen.accessToken });
    expect(me.status).toBe(403);
    expect(me.body.code).toBe('ACCOUNT_SUSPENDED');
    await expect(connect(t, s.citizen.accessToken)).rejects.toThrow();
    await eventually(cellCount, (n) => n === before - 1, { ...AT_ONCE, what: 'citizen out of the counts' });
    await eventually(
      () => pending(s.officer),
      (ids) => ids.length === 0,
      {
        ...AT_ONCE,
        what: 'request of the suspended citizen ended',
      },
    );
    const accept = await api(t, 'POST', `/connections/requests/${s.requestId}/accept`, {
      token: s.officer.accessToken,
    });
    expect(accept.status).toBe(409);
    expect(accept.body.code).toBe('REQUEST_EXPIRED');
    // The officer is untouched.
    expect(s.officerSocket.connected).toBe(true);
    expect(await mapOfficerIds()).toContain(s.officer.accountId);
  });
});

import type { Socket } from 'socket.io-client';
import { AvailabilityService } from '../../libs/connections/src/application/availability.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, disconnected, Inbox, offset, settle } from './socket-client.js';

describe('connections: pending requests over REST, and the socket closed when a window expires', () => {
  let t: TestApp;
  const sockets: Socket[] = [];
  const spot = { lat: 30.2672, lng: -97.7431 };

  beforeAll(async () => {
    t = await startTestApp({ CONNECTIONS_SWEEP_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    if (t) await settle(t);
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  it('lists a pending request to its officer and to its citizen only; nobody else sees it, and an answered one leaves the list', async () => {
    const [officer, citizen, otherOfficer, stranger] = await Promise.all([
      given.officer(t),
      given.citizen(t),
      given.officer(t),
      given.citizen(t),
    ]);
    expect(
      (await api(t, 'POST', '/connections/availability', { token: officer.accessToken, body: spot })).status,
    ).toBe(201);
    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(spot, 60, 0),
        })
      ).status,
    ).toBe(200);
    const asked = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(asked.status).toBe(201);
    const list = (token: string, query = '?status=pending') =>
      api(t, 'GET', `/connections/requests${query}`, { token });

    const toOfficer = await list(officer.accessToken);
    expect(toOfficer.status).toBe(200);
    expect(toOfficer.body).toEqual({
      items: [
        {
          requestId: asked.body.requestId,
          status: 'pending',
          officerId: officer.accountId,
          citizen: { id: citizen.accountId, displayName: expect.any(String) },
          distanceM: expect.any(Number),
          createdAt: expect.any(String),
          expiresAt: asked.body.expiresAt,
        },
      ],
      nextCursor: null,
    });
    const mine = await list(citizen.accessToken);
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0]).toMatchObject({
      requestId: asked.body.requestId,
      officerId: officer.accountId,
    });
    // A citizen is never told an exact distance to an officer.
    expect(mine.body.items[0].distanceM).toBeUndefined();
    for (const other of [otherOfficer, stranger])
      expect((await list(other.accessToken)).body).toEqual({ items: [], nextCursor: null });

    for (const bad of [
      '',
      '?status=accepted',
      '?status=pending&limit=0',
      '?status=pending&cursor=nope',
      '?status=pending&officerId=x',
    ]) {
      const res = await list(officer.accessToken, bad);
      expect({ bad, status: res.status, code: res.body.code }).toEqual({
        bad,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect((await api(t, 'GET', '/connections/requests?status=pending')).status).toBe(401);

    expect(
      (
        await api(t, 'POST', `/connections/requests/${asked.body.requestId}/decline`, {
          token: officer.accessToken,
        })
      ).status,
    ).toBe(204);
    expect((await list(officer.accessToken)).body.items).toEqual([]);
    expect((await list(citizen.accessToken)).body.items).toEqual([]);
  });

  it("closes the officer's socket right after availability.expired when the window expires", async () => {
    const officer = await given.officer(t);
    const socket = await connect(t, officer.accessToken);
    sockets.push(socket);
    const inbox = new Inbox(socket);
    // A 1-minute window opened 58 s ago (clock injected): the sweeper expires it in about 2 s.
    const w = await t.app
      .get(AvailabilityService)
      .open(officer.accountId, spot, null, 1, Date.now() - 58_000);
    const reason = await disconnected(socket);
    expect(reason).toBe('io server disconnect');
    expect(inbox.of('availability.expired')).toEqual([{ windowId: w.windowId }]);
    // Closing by hand (DELETE) keeps the socket: the app may open a new window on it.
    const other = await given.officer(t);
    expect(
      (await api(t, 'POST', '/connections/availability', { token: other.accessToken, body: spot })).status,
    ).toBe(201);
    const kept = await connect(t, other.accessToken);
    sockets.push(kept);
    const keptInbox = new Inbox(kept);
    expect((await api(t, 'DELETE', '/connections/availability', { token: other.accessToken })).status).toBe(
      204,
    );
    await eventually(
      () => keptInbox.of('availability.expired'),
      (l) => l.length === 1,
      { what: 'availability.expired after DELETE' },
    );
    expect(kept.connected).toBe(true);
  });
});

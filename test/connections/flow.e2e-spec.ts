import { PrismaService } from '@heyblue/platform';
import { distanceM } from '../../libs/connections/src/domain/geo.js';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, Inbox, offset, sendLocation, settle } from './socket-client.js';

describe('connections: happy path end to end (dev IdP accounts, real socket.io, Redis, PostgreSQL)', () => {
  let t: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    if (t) await settle(t);
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  it('window → locations → presence → nearby → request → officer notified → accept → listed for both → ConnectionEstablished in the outbox', async () => {
    const [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    const spot = { lat: 40.7128, lng: -74.006 };
    // Names shown next to officers come from Profile's ProfileUpdated events.
    expect(
      (
        await api(t, 'PATCH', '/me/profile', {
          token: officer.accessToken,
          body: { displayName: 'Officer Friendly' },
        })
      ).status,
    ).toBe(200);

    const opened = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...spot, zip: '10007', minutes: 15 },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      windowId: expect.any(String),
      socket: { url: t.url, path: '/socket.io', namespace: '/connections' },
    });
    expect(new Date(opened.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);

    const citizenSocket = await connect(t, citizen.accessToken);
    const officerSocket = await connect(t, officer.accessToken);
    sockets.push(citizenSocket, officerSocket);
    const citizenInbox = new Inbox(citizenSocket);
    const officerInbox = new Inbox(officerSocket);

    // The citizen is around first; the officer's next update brings the officer into reach.
    const citizenAt = offset(spot, 80, 0);
    const first = await sendLocation(citizenSocket, { ...citizenAt, accuracyM: 10 });
    expect(first.ok).toBe(true);
    expect(first.nearby.map((n: { officerId: string }) => n.officerId)).toContain(officer.accountId);
    expect(
      await sendLocation(officerSocket, { ...offset(spot, 10, 0), at: new Date().toISOString() }),
    ).toEqual({ ok: true });
    const pushed = await eventually(
      () => citizenInbox.of('officers.nearby'),
      (l) => l.length > 0,
      { what: 'officers.nearby push' },
    );
    expect(pushed[0].nearby[0]).toMatchObject({
      officerId: officer.accountId,
      displayName: expect.any(String),
    });

    await eventually(
      () => api(t, 'GET', '/connections/nearby', { token: citizen.accessToken }),
      (r) => r.body.nearby?.[0]?.displayName === 'Officer Friendly',
      { what: 'display name projected from ProfileUpdated' },
    );
    const presence = await api(t, 'POST', '/connections/presence', {
      token: citizen.accessToken,
      body: { ...citizenAt, zip: '10007' },
    });
    expect(presence.status).toBe(200);
    expect(presence.body.socket.namespace).toBe('/connections');
    const nearby = await api(t, 'GET', '/connections/nearby?radius=500', { token: citizen.accessToken });
    expect(nearby.status).toBe(200);
    const entry = nearby.body.nearby.find((n: { officerId: string }) => n.officerId === officer.accountId);
    // The officer is shown at a coarse cell's centre (≤ ~71 m from the exact spot), the distance measured to it.
    expect(distanceM(entry, offset(spot, 10, 0))).toBeLessThan(80);
    expect(Math.abs(entry.distanceM - distanceM(citizenAt, entry))).toBeLessThanOrEqual(5);

    const requested = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ requestId: expect.any(String), status: 'pending' });
    const [ask] = await eventually(
      () => officerInbox.of('connection.requested'),
      (l) => l.length > 0,
      { what: 'connection.requested' },
    );
    expect(ask).toMatchObject({
      requestId: requested.body.requestId,
      citizen: { id: citizen.accountId, displayName: expect.any(String) },
    });
    expect(ask.distanceM).toBeLessThanOrEqual(200);

    const accepted = await api(t, 'POST', `/connections/requests/${requested.body.requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(accepted.status).toBe(200);
    const connection = accepted.body.connection;
    expect(connection).toMatchObject({
      officerId: officer.accountId,
      citizenId: citizen.accountId,
      pointsAwarded: expect.any(Number),
      earnsPoints: true,
      noPointsReason: null,
    });
    const [done] = await eventually(
      () => citizenInbox.of('connection.accepted'),
      (l) => l.length > 0,
      { what: 'connection.accepted' },
    );
    expect(done).toMatchObject({ requestId: requested.body.requestId, connection: { id: connection.id } });

    for (const who of [officer, citizen]) {
      const list = await api(t, 'GET', '/connections', { token: who.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.items[0]).toMatchObject({
        id: connection.id,
        establishedAt: connection.establishedAt,
      });
      expect(list.body.nextCursor).toBeNull();
    }

    const rows = await t.app
      .get(PrismaService)
      .outboxEvent.findMany({ where: { type: 'ConnectionEstablished' } });
    const event = rows.find((r) => (r.payload as { connectionId?: string }).connectionId === connection.id);
    expect(event?.payload).toEqual({
      connectionId: connection.id,
      officerId: officer.accountId,
      citizenId: citizen.accountId,
      establishedAt: connection.establishedAt,
      zip: '10007',
      // Areas of the officer's position (derived offline); the app's ZIP is kept, and agrees.
      county: 'New York',
      countyFips: '36061',
      state: 'NY',
      zipSource: 'app',
      zipMismatch: false,
      cell: expect.stringMatching(/^[0-9b-hjkmnp-z]{4}$/),
      // Far below the anti-farming caps (test/connections/earning-caps.e2e-spec.ts covers them).
      earnsPoints: true,
      noPointsReason: null,
    });

    // Rewards awards points for the connection; both sockets hear about it and the connection shows it.
    for (const inbox of [citizenInbox, officerInbox]) {
      const [points] = await eventually(
        () => inbox.of('points.awarded'),
        (l) => l.length > 0,
        { what: 'points.awarded push' },
      );
      expect(points).toEqual({
        points: expect.any(Number),
        reason: 'connection',
        balance: expect.any(Number),
      });
    }
    await eventually(
      () => api(t, 'GET', '/connections', { token: citizen.accessToken }),
      (r) => r.body.items[0]?.pointsAwarded > 0,
      { what: 'pointsAwarded recorded' },
    );

    // The pair cannot connect again today.
    const again = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('ALREADY_CONNECTED_TODAY');

    // Closing the window removes the officer at once and tells the officer's socket.
    expect((await api(t, 'DELETE', '/connections/availability', { token: officer.accessToken })).status).toBe(
      204,
    );
    const after = await api(t, 'GET', '/connections/nearby', { token: citizen.accessToken });
    expect(after.body.nearby.map((n: { officerId: string }) => n.officerId)).not.toContain(officer.accountId);
    const [expired] = await eventually(
      () => officerInbox.of('availability.expired'),
      (l) => l.length > 0,
      { what: 'availability.expired' },
    );
    expect(expired).toEqual({ windowId: opened.body.windowId });
    expect(await sendLocation(officerSocket, offset(spot, 12, 0))).toEqual({
      ok: false,
      code: 'NO_OPEN_WINDOW',
    });
  });
});

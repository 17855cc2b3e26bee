import type { Socket } from 'socket.io-client';
import { AvailabilityService } from '../../libs/connections/src/application/availability.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, disconnected, Inbox, offset, sendLocation, settle } from './socket-client.js';

describe('connections: two app instances sharing PostgreSQL, Redis and socket.io rooms', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    a = await startTestApp({ CONNECTIONS_SWEEP_INTERVAL_MS: '200' });
    b = await startTestApp({ CONNECTIONS_SWEEP_INTERVAL_MS: '200' }, a.testEnv);
  });
  afterAll(async () => {
    if (a) await settle(a);
    sockets.forEach((s) => s.close());
    await b?.close();
    await a?.close();
  });

  it('completes the flow with the officer on one instance and the citizen on the other', async () => {
    const [officer, citizen] = await Promise.all([given.officer(a), given.citizen(b)]);
    const spot = { lat: 37.7749, lng: -122.4194 };
    expect(
      (
        await api(a, 'POST', '/connections/availability', {
          token: officer.accessToken,
          body: { ...spot, zip: '94103' },
        })
      ).status,
    ).toBe(201);
    const officerSocket = await connect(a, officer.accessToken);
    const citizenSocket = await connect(b, citizen.accessToken);
    sockets.push(officerSocket, citizenSocket);
    const officerInbox = new Inbox(officerSocket);
    const citizenInbox = new Inbox(citizenSocket);

    const citizenAt = offset(spot, -60, 20);
    expect((await sendLocation(citizenSocket, citizenAt)).ok).toBe(true);
    expect(await sendLocation(officerSocket, offset(spot, 5, 5))).toEqual({ ok: true });
    await eventually(
      () => citizenInbox.of('officers.nearby'),
      (l) => l.some((p) => p.nearby.some((n: { officerId: string }) => n.officerId === officer.accountId)),
      {
        what: 'officers.nearby across instances',
      },
    );
    const ack = await sendLocation(citizenSocket, offset(citizenAt, 2, 0));
    expect(ack.nearby[0].officerId).toBe(officer.accountId);

    const req = await api(b, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    await eventually(
      () => officerInbox.of('connection.requested'),
      (l) => l.some((p) => p.requestId === req.body.requestId),
      { what: 'connection.requested on instance a' },
    );

    const accepted = await api(a, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(accepted.status).toBe(200);
    await eventually(
      () => citizenInbox.of('connection.accepted'),
      (l) => l.some((p) => p.connection?.id === accepted.body.connection.id),
      {
        what: 'connection.accepted on instance b',
      },
    );
    const listed = await api(b, 'GET', '/connections', { token: officer.accessToken });
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(accepted.body.connection.id);

    // Closing through instance b reaches the officer's socket on instance a, and a stops taking its updates.
    expect((await api(b, 'DELETE', '/connections/availability', { token: officer.accessToken })).status).toBe(
      204,
    );
    await eventually(
      () => officerInbox.of('availability.expired'),
      (l) => l.length > 0,
      { what: 'availability.expired on instance a' },
    );
    await eventually(
      () => sendLocation(officerSocket, offset(spot, 6, 5)),
      (r) => r.code === 'NO_OPEN_WINDOW',
      { what: 'socket cache reloaded on a' },
    );
    const nearby = await api(b, 'GET', '/connections/nearby', { token: citizen.accessToken });
    expect(nearby.body.nearby).toEqual([]);
  });

  it('expires a window opened on an instance that then died, and tells the officer on the survivor', async () => {
    const doomed = await startTestApp({ CONNECTIONS_SWEEP_INTERVAL_MS: '200' }, a.testEnv);
    const officer = await given.officer(a);
    const socket = await connect(a, officer.accessToken);
    sockets.push(socket);
    const inbox = new Inbox(socket);
    const spot = { lat: 47.6062, lng: -122.3321 };
    // A 1-minute window opened 58 s ago on the doomed instance (clock injected): due in ≈ 2 s.
    const w = await doomed.app
      .get(AvailabilityService)
      .open(officer.accountId, spot, null, 1, Date.now() - 58_000);
    await doomed.close();
    const [expired] = await eventually(
      () => inbox.of('availability.expired'),
      (l) => l.length > 0,
      { what: 'availability.expired from the survivor' },
    );
    expect(expired).toEqual({ windowId: w.windowId });
    const citizen = await given.citizen(b);
    const nearby = await api(b, 'POST', '/connections/presence', { token: citizen.accessToken, body: spot });
    expect(nearby.body.nearby).toEqual([]);
  });

  it('a demotion through one instance closes the officer sockets on both and takes the officer out of the index', async () => {
    const [officer, admin] = await Promise.all([given.officer(a), given.admin(a)]);
    const spot = { lat: 45.5152, lng: -122.6784 };
    expect(
      (await api(b, 'POST', '/connections/availability', { token: officer.accessToken, body: spot })).status,
    ).toBe(201);
    const onA = await connect(a, officer.accessToken);
    const onB = await connect(b, officer.accessToken);
    sockets.push(onA, onB);
    const closed = [onA, onB].map((s) => disconnected(s));

    const res = await api(a, 'POST', `/admin/accounts/${officer.accountId}/role`, {
      token: admin.accessToken,
      body: { role: 'citizen' },
    });
    expect(res.status).toBe(200);
    expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);
    const citizen = await given.citizen(b);
    await eventually(
      () =>
        api(b, 'POST', '/connections/presence', { token: citizen.accessToken, body: offset(spot, 40, 0) }),
      (r) => r.status === 200 && r.body.nearby.length === 0,
      { what: 'demoted officer out of the index', timeoutMs: 5_000, intervalMs: 200 },
    );
  });
});

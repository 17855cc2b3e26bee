import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { connect, sendLocation } from './socket-client.js';
import { DevSessionsService } from '@heyblue/iam';

/**
 * Regression for the fuzz finding: Redis GEO holds latitudes within ±85.05112878° only, so a
 * valid position near a pole made the GEO scripts fail and the ack answer INTERNAL_ERROR
 * (fast-check then shrank for minutes until the test timed out and closed the sockets, which
 * showed up as "socket has been disconnected"). Such positions are accepted, not indexed.
 */
describe('connections: positions near the poles, on the antimeridian and with denormal longitudes', () => {
  let t: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ CONNECTIONS_LOCATION_RATE_PER_S: '1000' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  const open = async (who: SignedIn): Promise<Socket> => {
    const s = await connect(t, who.accessToken);
    sockets.push(s);
    return s;
  };

  /** Beyond the band Redis GEO can hold. */
  const beyond = [
    { lat: 87.99253935755422, lng: 9.4e-323 }, // the payload the fuzz test found
    { lat: -89.99999999999983, lng: 4.114039888243877e-83 },
    { lat: 89.9, lng: 0 },
    { lat: -89.9, lng: 0 },
    { lat: 90, lng: 180 },
    { lat: -90, lng: -180 },
    { lat: 90, lng: 5e-324 },
    { lat: -90, lng: -5e-324 },
    { lat: 85.0511287801, lng: -180 },
  ];

  it('a citizen anywhere beyond ±85.05° gets {ok: true, nearby: []} and keeps the socket', async () => {
    // A citizen per position: positions this far apart are impossible jumps for one account (its
    // last fix is kept even when the position cannot be indexed). Dev sessions: the sign-in flow is not under test.
    const walkers = await t.app.get(DevSessionsService).issue('citizen', beyond.length);
    for (const [i, p] of beyond.entries()) {
      const s = await connect(t, walkers[i]!.accessToken);
      sockets.push(s);
      expect(await sendLocation(s, p)).toEqual({ ok: true, nearby: [] });
      expect(await sendLocation(s, { ...p, accuracyM: 5 })).toEqual({ ok: true, nearby: [] });
      expect(s.connected).toBe(true);
      s.close();
    }
    const citizen = await given.citizen(t);
    const presence = await api(t, 'POST', '/connections/presence', {
      token: citizen.accessToken,
      body: { lat: 90, lng: -180 },
    });
    expect(presence.status).toBe(200);
    expect(presence.body.nearby).toEqual([]);
    // Nothing indexed there: the nearby query has no position of the citizen's to answer around.
    const nearby = await api(t, 'GET', '/connections/nearby?radius=5000', { token: citizen.accessToken });
    expect(nearby.status).toBe(422);
    expect(nearby.body.code).toBe('POSITION_UNKNOWN');
    expect((await api(t, 'GET', '/health/live')).status).toBe(200);
  });

  it('the antimeridian (±180) and denormal longitudes inside the band are indexed normally', async () => {
    const [onMeridian, onZero] = await Promise.all([given.citizen(t), given.citizen(t)]);
    const a = await open(onMeridian);
    // lng 180 and -180 are the same place: no impossible jump, and the partition changes.
    for (const p of [
      { lat: 0, lng: 180 },
      { lat: 0, lng: -180 },
      { lat: 0.0001, lng: -179.9999 },
    ]) {
      expect(await sendLocation(a, p)).toEqual({ ok: true, nearby: [] });
    }
    const b = await open(onZero);
    for (const p of [
      { lat: 40, lng: 9.4e-323 },
      { lat: 40, lng: -5e-324 },
      { lat: 40, lng: 0 },
    ]) {
      expect(await sendLocation(b, p)).toEqual({ ok: true, nearby: [] });
    }
    expect(a.connected && b.connected).toBe(true);
  });

  it('an officer beyond the band opens a window and updates, but is not shown; leaving the band takes the officer out of the index', async () => {
    const [polar, officer, citizen] = await Promise.all([
      given.officer(t),
      given.officer(t),
      given.citizen(t),
    ]);
    expect(
      (
        await api(t, 'POST', '/connections/availability', {
          token: polar.accessToken,
          body: { lat: 88, lng: 9.4e-323 },
        })
      ).status,
    ).toBe(201);
    const s = await open(polar);
    expect(await sendLocation(s, { lat: 88, lng: 0 })).toEqual({ ok: true });
    s.close();

    // Inside the band, close to its edge: found; 80 m further north, beyond the edge: gone.
    const edge = { lat: 85.0505, lng: 10 };
    expect(
      (await api(t, 'POST', '/connections/availability', { token: officer.accessToken, body: edge })).status,
    ).toBe(201);
    const seen = async (): Promise<string[]> => {
      const r = await api(t, 'POST', '/connections/presence', { token: citizen.accessToken, body: edge });
      expect(r.status).toBe(200);
      return r.body.nearby.map((n: { officerId: string }) => n.officerId);
    };
    expect(await seen()).toContain(officer.accountId);
    const again = await open(officer);
    expect(await sendLocation(again, { lat: 85.0512, lng: 10 })).toEqual({ ok: true });
    expect(await seen()).not.toContain(officer.accountId);
    expect(again.connected).toBe(true);
  });
});

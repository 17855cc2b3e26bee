import { randomUUID } from 'node:crypto';
import type { IssuedDevSession } from '@heyblue/iam';
import type { Socket } from 'socket.io-client';
import { GeoIndex } from '../../libs/connections/src/infrastructure/geo-index.js';
import { expectAdminOnly, expectInvalid, issueSessions } from '../support/admin-reads.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, offset, sendLocation } from './socket-client.js';

const DC = { lat: 38.9072, lng: -77.0369 };
const CHICAGO = { lat: 41.8781, lng: -87.6298 };
const DC_BOX = '-77.3,38.7,-76.8,39.1';

interface MapOfficer {
  accountId: string;
  lat: number;
  lng: number;
  updatedAt: string;
}

/** GET /admin/live-map: available officers (rounded) and citizen counts per cell, from the partitioned GEO index. */
describe('admin live map', () => {
  let t: TestApp;
  let admin: SignedIn;
  let officer: IssuedDevSession;
  let chicagoOfficer: IssuedDevSession;
  let stale: IssuedDevSession;
  let citizen: IssuedDevSession;
  let citizen2: IssuedDevSession;
  const sockets: Socket[] = [];

  const liveMap = (query = '') => api(t, 'GET', `/admin/live-map${query}`, { token: admin.accessToken });
  const officerIds = (body: { officers: MapOfficer[] }) => body.officers.map((o) => o.accountId).sort();
  const openWindow = (who: { accessToken: string }, at: { lat: number; lng: number }) =>
    api(t, 'POST', '/connections/availability', { token: who.accessToken, body: at });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await given.admin(t);
    [officer, chicagoOfficer, stale] = await issueSessions(t, 'officer', 3);
    [citizen, citizen2] = await issueSessions(t, 'citizen', 2);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t.close();
  });

  it('shows an officer who opened a window, then where the socket location update moved them, rounded to ≈ 100 m', async () => {
    expect((await openWindow(officer, DC)).status).toBe(201);
    const first = await liveMap(`?bbox=${DC_BOX}`);
    expect(first.status).toBe(200);
    expect(first.body.officers).toEqual([
      { accountId: officer.accountId, lat: 38.907, lng: -77.037, updatedAt: expect.any(String) },
    ]);
    expect(Math.abs(Date.parse(first.body.officers[0].updatedAt) - Date.now())).toBeLessThan(60_000);
    expect(Date.parse(first.body.at)).toBeGreaterThanOrEqual(Date.parse(first.body.officers[0].updatedAt));

    const s = await connect(t, officer.accessToken);
    sockets.push(s);
    // Within what the speed check allows right after the window opened.
    const moved = offset(DC, 95, 0);
    expect(await sendLocation(s, moved)).toEqual({ ok: true });
    const after = await liveMap(`?bbox=${DC_BOX}`);
    expect(after.body.officers).toEqual([
      {
        accountId: officer.accountId,
        lat: Math.round(moved.lat * 1000) / 1000,
        lng: Math.round(moved.lng * 1000) / 1000,
        updatedAt: expect.any(String),
      },
    ]);
    expect(after.body.officers[0].lat).not.toBe(first.body.officers[0].lat);
  });

  it('counts active citizens per 0.1° cell at the cell centre, never their positions', async () => {
    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(DC, 100, 0),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen2.accessToken,
          body: { lat: 38.95, lng: -77.01 },
        })
      ).status,
    ).toBe(200);
    // A third citizen in another cell, written straight to the index as the socket path does.
    await t.app.get(GeoIndex).updateCitizen(randomUUID(), { lat: 38.81, lng: -77.05 });

    const res = await liveMap(`?bbox=${DC_BOX}`);
    expect(res.body.citizens).toEqual([
      { lat: 38.95, lng: -77.05, count: 2 },
      { lat: 38.85, lng: -77.05, count: 1 },
    ]);
    for (const exact of ['38.908', '-77.01', '38.81'])
      expect(JSON.stringify(res.body.citizens)).not.toContain(exact);
    expect(res.body.truncated).toBe(false);
  });

  it('keeps to the box: the whole US by default, one city when asked', async () => {
    expect((await openWindow(chicagoOfficer, CHICAGO)).status).toBe(201);
    const us = await liveMap();
    expect(officerIds(us.body)).toEqual([officer.accountId, chicagoOfficer.accountId].sort());
    expect(us.body.citizens.reduce((n: number, c: { count: number }) => n + c.count, 0)).toBe(3);
    const dc = await liveMap(`?bbox=${DC_BOX}`);
    expect(officerIds(dc.body)).toEqual([officer.accountId]);
    const chicago = await liveMap('?bbox=-88,41.6,-87.5,42.1');
    expect(chicago.body).toMatchObject({
      officers: [expect.objectContaining({ accountId: chicagoOfficer.accountId })],
      citizens: [],
      truncated: false,
    });
    expect((await liveMap('?bbox=2.2,48.8,2.5,48.9')).body).toMatchObject({ officers: [], citizens: [] });
  });

  it('leaves out officers without an open window, with a stale location, or who closed their window', async () => {
    const geo = t.app.get(GeoIndex);
    // In the index without any window (e.g. a location racing a close on another instance).
    await geo.updateOfficer(randomUUID(), offset(DC, -500, 0));
    // Window open, but the last location is older than the staleness limit (120 s by default).
    expect((await openWindow(stale, offset(DC, 0, -800))).status).toBe(201);
    await geo.updateOfficer(stale.accountId, offset(DC, 0, -800), undefined, Date.now() - 130_000);
    expect(officerIds((await liveMap(`?bbox=${DC_BOX}`)).body)).toEqual([officer.accountId]);

    expect((await api(t, 'DELETE', '/connections/availability', { token: officer.accessToken })).status).toBe(
      204,
    );
    await eventually(
      () => liveMap(`?bbox=${DC_BOX}`),
      (r) => r.body.officers.length === 0,
      { what: 'closed window gone from the map' },
    );
  });

  it('cuts the citizen cells at 2,000, busiest first, and says truncated', async () => {
    const geo = t.app.get(GeoIndex);
    // 45 × 45 = 2,025 citizens, one per cell, over Kansas; one more in the first cell.
    const spots = Array.from({ length: 2025 }, (_, i) => ({
      lat: 37.05 + Math.floor(i / 45) * 0.1,
      lng: -101.45 + (i % 45) * 0.1,
    }));
    spots.push(spots[0]!);
    for (let i = 0; i < spots.length; i += 200)
      await Promise.all(spots.slice(i, i + 200).map((p) => geo.updateCitizen(randomUUID(), p)));

    const res = await liveMap('?bbox=-101.5,37,-97,41.5');
    expect(res.body.truncated).toBe(true);
    expect(res.body.citizens).toHaveLength(2000);
    expect(res.body.citizens[0]).toEqual({ lat: 37.05, lng: -101.45, count: 2 });
    expect((await liveMap(`?bbox=${DC_BOX}`)).body.truncated).toBe(false);
  });

  it('refuses a box it cannot answer with 400 VALIDATION_FAILED', async () => {
    for (const bbox of [
      '',
      'abc',
      '1,2,3',
      '-77,39,-78,40',
      '-77,40,-76,39',
      '-181,0,0,1',
      '0,0,1,91',
      `${'1'.repeat(101)}`,
    ]) {
      expectInvalid(await liveMap(`?bbox=${encodeURIComponent(bbox)}`), 'bbox');
    }
    expectInvalid(await liveMap('?zoom=3'), 'zoom');
  });

  it('is for admins only', async () => {
    await expectAdminOnly(t, '/admin/live-map', { citizen, officer });
  });
});

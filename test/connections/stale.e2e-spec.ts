import type { Socket } from 'socket.io-client';
import { RedisService } from '@heyblue/platform';
import { GeoIndex } from '../../libs/connections/src/infrastructure/geo-index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, offset, sendLocation } from './socket-client.js';

describe('connections: an officer who stops sending locations drops out (real clock, 5 s staleness)', () => {
  let t: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ CONNECTIONS_STALE_AFTER_S: '5', CONNECTIONS_SWEEP_INTERVAL_MS: '250' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  it('disappears from nearby answers, cannot be requested, and is swept from Redis', async () => {
    const [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    const spot = { lat: 38.9072, lng: -77.0369 };
    expect(
      (await api(t, 'POST', '/connections/availability', { token: officer.accessToken, body: spot })).status,
    ).toBe(201);
    const s = await connect(t, officer.accessToken);
    sockets.push(s);
    expect(await sendLocation(s, offset(spot, 3, 0))).toEqual({ ok: true });
    // The citizen's own position must stay fresh while the officer's goes stale: each probe shares it again.
    const near = () =>
      api(t, 'POST', '/connections/presence', { token: citizen.accessToken, body: offset(spot, 20, 0) });
    expect((await near()).body.nearby.map((n: { officerId: string }) => n.officerId)).toEqual([
      officer.accountId,
    ]);

    // Once a second: presence is rate limited per account (60/min), and staleness is 5 s.
    await eventually(near, (r) => r.status === 200 && r.body.nearby.length === 0, {
      what: 'stale officer gone from nearby',
      intervalMs: 1_000,
    });
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(422);
    expect(['OFFICER_NOT_AVAILABLE', 'POSITION_UNKNOWN']).toContain(req.body.code);

    const geo = t.app.get(GeoIndex);
    const key = geo.partitionKey(geo.grid.cellOf(geo.coarse.centreOf(spot)), 'o');
    const redis = t.app.get(RedisService).client;
    await eventually(
      () => redis.geopos(key, officer.accountId),
      (p) => p[0] === null,
      { what: 'stale officer swept from the GEO set' },
    );

    // A fresh update brings the officer straight back.
    expect(await sendLocation(s, offset(spot, 4, 0))).toEqual({ ok: true });
    expect((await near()).body.nearby.map((n: { officerId: string }) => n.officerId)).toEqual([
      officer.accountId,
    ]);
  });
});

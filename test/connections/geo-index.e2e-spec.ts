import { randomUUID } from 'node:crypto';
import type { Socket as NetSocket } from 'node:net';
import { RedisService } from '@heyblue/platform';
import { AvailabilityService } from '../../libs/connections/src/application/availability.service.js';
import { NearbyQuery } from '../../libs/connections/src/application/nearby.query.js';
import { distanceM, type LatLng } from '../../libs/connections/src/domain/geo.js';
import { ConnectionsConfig } from '../../libs/connections/src/infrastructure/connections.config.js';
import { GeoIndex } from '../../libs/connections/src/infrastructure/geo-index.js';
import { WindowStore } from '../../libs/connections/src/infrastructure/window-store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { recordWrites } from '../support/socket-writes.js';
import { eventually } from '../support/poll.js';

/** Offsets a position by metres north/east. */
function offset(p: LatLng, northM: number, eastM: number): LatLng {
  return {
    lat: p.lat + northM / 111_320,
    lng: p.lng + eastM / (111_320 * Math.cos((p.lat * Math.PI) / 180)),
  };
}

describe('connections GEO index (real Redis)', () => {
  let t: TestApp;
  let geo: GeoIndex;

  beforeAll(async () => {
    t = await startTestApp({ CONNECTIONS_SWEEP_INTERVAL_MS: '100' });
    geo = t.app.get(GeoIndex);
  });

  /** Index mechanics at arbitrary points: the officer is shown exactly where it is put (the app always shows coarse cell centres). */
  const placeOfficer = (id: string, p: LatLng, previousCell?: string | null, now = Date.now()) =>
    geo.updateOfficer(id, p, previousCell, now, p);
  afterAll(async () => {
    await t?.close();
  });

  it('finds officers on both sides of a partition edge, nearest first, from either side', async () => {
    const grid = geo.grid;
    const edgeLat = Math.ceil((40.7128 + 90) / grid.latStep) * grid.latStep - 90;
    const south = { lat: edgeLat - 0.0009, lng: -74.006 }; // ≈ 100 m south of the edge
    const north = { lat: edgeLat + 0.0018, lng: -74.006 }; // ≈ 200 m north of it
    expect(grid.cellOf(south)).not.toBe(grid.cellOf(north));
    const [a, b] = [randomUUID(), randomUUID()];
    await placeOfficer(a, south, null);
    await placeOfficer(b, north, null);

    const fromSouth = await geo.search('officer', offset(south, -50, 0), 1000);
    expect(fromSouth.map((h) => h.id)).toEqual([a, b]);
    const fromNorth = await geo.search('officer', offset(north, 50, 0), 1000);
    expect(fromNorth.map((h) => h.id)).toEqual([b, a]);
    expect(fromNorth[1]!.distanceM).toBeCloseTo(distanceM(offset(north, 50, 0), south), -1);
    // Partition keys carry the cell as a Redis Cluster hash tag.
    expect(geo.partitionKey(grid.cellOf(south), 'o')).toMatch(/:\{[0-9b-hjkmnp-z]{4}\}:o$/);
  });

  it('answers a citizen update with officers on both sides of a partition edge (own partition in the write, the neighbour searched beside it)', async () => {
    const grid = geo.grid;
    const edgeLat = Math.ceil((41.8781 + 90) / grid.latStep) * grid.latStep - 90;
    const south = { lat: edgeLat - 0.0009, lng: -87.6298 };
    const north = { lat: edgeLat + 0.0018, lng: -87.6298 };
    expect(grid.cellOf(south)).not.toBe(grid.cellOf(north));
    const [a, b] = [randomUUID(), randomUUID()];
    await placeOfficer(a, south, null);
    await placeOfficer(b, north, null);

    const fromSouth = await geo.updateCitizenAndSearch(randomUUID(), offset(south, -50, 0), undefined, 1000);
    expect(fromSouth.cell).toBe(grid.cellOf(south));
    expect(fromSouth.officers.map((h) => h.id)).toEqual([a, b]);
    const citizen = randomUUID();
    const fromNorth = await geo.updateCitizenAndSearch(citizen, offset(north, 50, 0), undefined, 1000);
    expect(fromNorth.officers.map((h) => h.id)).toEqual([b, a]);
    expect(fromNorth.officers[1]!.distanceM).toBeCloseTo(distanceM(offset(north, 50, 0), south), -1);
    // The limit holds across partitions: only the nearest one.
    const one = await geo.updateCitizenAndSearch(citizen, offset(north, 52, 0), fromNorth.cell, 1000, 1);
    expect(one.officers.map((h) => h.id)).toEqual([b]);
    // The citizen itself is in the citizens' index of its own partition.
    expect(await geo.isFresh('citizen', citizen)).toBe(true);
  });

  it('moves an officer between partitions without leaving a copy behind', async () => {
    const id = randomUUID();
    const grid = geo.grid;
    const edgeLng = -180 + Math.ceil((-87.63 + 180) / grid.lngStep) * grid.lngStep;
    const west = { lat: 41.88, lng: edgeLng - 0.001 };
    const east = { lat: 41.88, lng: edgeLng + 0.001 };
    const first = await placeOfficer(id, west, null);
    const second = await placeOfficer(id, east, first.cell);
    expect(second.cell).not.toBe(first.cell);
    const hits = await geo.search('officer', west, 2000);
    expect(hits.filter((h) => h.id === id)).toHaveLength(1);
    expect(hits[0]!.lng).toBeGreaterThan(edgeLng);
    const redis = t.app.get(RedisService).client;
    expect(await redis.zscore(geo.partitionKey(first.cell!, 'os'), id)).toBeNull();
  });

  it('never answers stale officers and sweeps them out', async () => {
    const here = { lat: 34.0522, lng: -118.2437 };
    const [fresh, stale] = [randomUUID(), randomUUID()];
    await placeOfficer(fresh, offset(here, 100, 0), null);
    await placeOfficer(stale, offset(here, 50, 0), null, Date.now() - 3 * 60_000);
    const hits = await geo.search('officer', here, 1000);
    expect(hits.map((h) => h.id)).toEqual([fresh]);
    await geo.sweepStale();
    const redis = t.app.get(RedisService).client;
    const key = geo.partitionKey(geo.grid.cellOf(here), 'o');
    expect(await redis.geopos(key, stale)).toEqual([null]);
    expect(await redis.geopos(geo.partitionKey(geo.grid.cellOf(here), 'ox'), stale)).toEqual([null]);
    expect(await redis.geopos(key, fresh)).not.toEqual([null]);
  });

  it('answers the true 20 nearest in a dense area through the adaptive radius and candidate cap', async () => {
    const centre = { lat: 47.6062, lng: -122.3321 };
    const officers: Array<{ id: string; at: LatLng }> = [];
    // ~600 officers within 2 km, deterministic spiral.
    for (let i = 0; i < 600; i++) {
      const r = 40 + (i * 1960) / 600;
      const a = i * 2.399963;
      officers.push({ id: randomUUID(), at: offset(centre, r * Math.sin(a), r * Math.cos(a)) });
    }
    await Promise.all(officers.map((o) => placeOfficer(o.id, o.at, null)));
    const hits = await geo.search('officer', centre, 2000, 20);
    const expected = officers
      .map((o) => ({ id: o.id, d: distanceM(centre, o.at) }))
      .sort((x, y) => x.d - y.d)
      .slice(0, 20)
      .map((o) => o.id);
    expect(hits.map((h) => h.id)).toEqual(expected);
    expect(hits.every((h, i) => i === 0 || hits[i - 1]!.distanceM <= h.distanceM)).toBe(true);
  });

  it('answers the nearest fresh officers whether the first probe finds every member or the steps run (below, at and above the candidate cap)', async () => {
    const cap = t.app.get(ConnectionsConfig).candidateCap;
    const limit = 5;
    const now = Date.now();
    // Three places, each with `n` officers spread within 2 km; the nearest third went stale.
    const places = [
      { centre: { lat: 39.7392, lng: -104.9903 }, n: cap - 1 },
      { centre: { lat: 39.9526, lng: -75.1652 }, n: cap },
      { centre: { lat: 33.749, lng: -84.388 }, n: cap * 3 },
    ];
    for (const { centre, n } of places) {
      const officers = Array.from({ length: n }, (_, i) => ({
        id: randomUUID(),
        at: offset(centre, 30 + (i * 1900) / n, 0),
        stale: i < n / 3,
      }));
      await Promise.all(
        officers.map((o) => placeOfficer(o.id, o.at, null, o.stale ? now - 3 * 60_000 : now)),
      );
      const expected = officers
        .filter((o) => !o.stale)
        .slice(0, limit)
        .map((o) => o.id);
      expect({ n, ids: (await geo.search('officer', centre, 2000, limit)).map((h) => h.id) }).toEqual({
        n,
        ids: expected,
      });
      // Everyone fresh within reach when fewer than the limit are (the widest step's answer).
      const widest = officers.filter((o) => !o.stale && distanceM(centre, o.at) <= 600).map((o) => o.id);
      expect((await geo.search('officer', centre, 600, n)).map((h) => h.id)).toEqual(widest);
    }
  });

  it('reports each hit at the position GEOPOS gives and the distance GEOSEARCH WITHDIST gives (the scripts return geohashes)', async () => {
    const centre = { lat: 44.9778, lng: -93.265 };
    const ids: string[] = Array.from({ length: 12 }, () => randomUUID());
    await Promise.all(
      ids.map((id, i) => placeOfficer(id, offset(centre, 37 * i - 200, 53 * ((i * 7) % 11) - 250), null)),
    );
    const hits = await geo.search('officer', centre, 1000, 20);
    expect(hits.map((h) => h.id).sort()).toEqual([...ids].sort());
    const redis = t.app.get(RedisService).client;
    const key = geo.partitionKey(geo.grid.cellOf(centre), 'o');
    const positions = await redis.geopos(key, ...hits.map((h) => h.id));
    const withDist = (await redis.geosearch(
      key,
      'FROMLONLAT',
      centre.lng,
      centre.lat,
      'BYRADIUS',
      1000,
      'm',
      'ASC',
      'WITHDIST',
    )) as Array<[string, string]>;
    const redisDist = new Map(withDist.map(([id, d]) => [id, Number(d)]));
    hits.forEach((h, i) => {
      expect(h.lng).toBeCloseTo(Number(positions[i]![0]), 10);
      expect(h.lat).toBeCloseTo(Number(positions[i]![1]), 10);
      expect(Math.abs(h.distanceM - redisDist.get(h.id)!)).toBeLessThan(0.001);
    });
    expect(hits.map((h) => h.id)).toEqual(withDist.filter(([id]) => ids.includes(id)).map(([id]) => id));
  });

  it("answers an officer's update with the fresh citizens within the citizen radius, and keeps the partition keys expiring", async () => {
    const config = t.app.get(ConnectionsConfig);
    const here = { lat: 36.1627, lng: -86.7816 };
    const now = Date.now();
    const [near, stale, far] = [randomUUID(), randomUUID(), randomUUID()];
    await geo.updateCitizen(near, offset(here, 0, config.citizenRadiusM / 2), null, now);
    await geo.updateCitizen(
      stale,
      offset(here, 0, config.citizenRadiusM / 4),
      null,
      now - config.staleAfterMs - 1_000,
    );
    await geo.updateCitizen(far, offset(here, 0, config.citizenRadiusM * 1.5), null, now);
    const officer = randomUUID();
    const { citizens } = await placeOfficer(officer, here, null, now);
    expect(citizens.map((c) => c.id)).toEqual([near]);
    expect(citizens[0]!.distanceM).toBeCloseTo(config.citizenRadiusM / 2, -1);
    const redis = t.app.get(RedisService).client;
    for (const suffix of ['o', 'os'] as const) {
      const ttl = await redis.pttl(geo.partitionKey(geo.grid.cellOf(here), suffix));
      expect({ suffix, expiring: ttl > config.staleAfterMs && ttl <= config.staleAfterMs + 60_000 }).toEqual({
        suffix,
        expiring: true,
      });
    }
  });

  it("answers a citizen's update at the instance's own radius and limit (the script with them written in) exactly as a search from there, and keeps the citizen keys expiring", async () => {
    const config = t.app.get(ConnectionsConfig);
    const now = Date.now();
    // A sparse place (a few officers, one stale) and a dense one (more than the candidate cap within 2 km, a third stale).
    const places = [
      { centre: { lat: 35.2271, lng: -80.8431 }, n: 6 },
      { centre: { lat: 38.2527, lng: -85.7585 }, n: config.candidateCap * 3 },
    ];
    for (const { centre, n } of places) {
      const officers = Array.from({ length: n }, (_, i) => ({
        id: randomUUID(),
        at: offset(centre, 20 + (i * 1900) / n, 15 * (i % 7)),
        stale: i % 3 === 1,
      }));
      await Promise.all(
        officers.map((o) =>
          placeOfficer(o.id, o.at, null, o.stale ? now - config.staleAfterMs - 1_000 : now),
        ),
      );
      const from = offset(centre, 5, 5);
      const citizen = randomUUID();
      const { cell, officers: answered } = await geo.updateCitizenAndSearch(
        citizen,
        from,
        undefined,
        config.citizenRadiusM,
        config.nearbyLimit,
        now,
      );
      const searched = await geo.search('officer', from, config.citizenRadiusM, config.nearbyLimit, now);
      expect(answered.length).toBeGreaterThan(0);
      expect(answered).toEqual(searched);
      expect(answered.some((h) => officers.find((o) => o.id === h.id)!.stale)).toBe(false);
      const expected = officers
        .filter((o) => !o.stale && distanceM(from, o.at) <= config.citizenRadiusM)
        .sort((x, y) => distanceM(from, x.at) - distanceM(from, y.at))
        .slice(0, config.nearbyLimit)
        .map((o) => o.id);
      expect(answered.map((h) => h.id)).toEqual(expected);
      // The citizen was written too: an officer next to it finds it, and its partition keys expire.
      expect(
        (await placeOfficer(randomUUID(), offset(from, 10, 0), null, now)).citizens.map((c) => c.id),
      ).toContain(citizen);
      const redis = t.app.get(RedisService).client;
      for (const suffix of ['c', 'cs'] as const) {
        const ttl = await redis.pttl(geo.partitionKey(cell!, suffix));
        expect({
          suffix,
          expiring: ttl > config.staleAfterMs && ttl <= config.staleAfterMs + 60_000,
        }).toEqual({ suffix, expiring: true });
      }
    }
  });

  it('sends an update, with its neighbour-partition searches, to Redis in one write (one round trip)', async () => {
    // The index's own connection (private): its socket writes are what a round trip costs.
    const { chunks, restore } = recordWrites((geo['redis'] as unknown as { stream: NetSocket }).stream);
    try {
      const config = t.app.get(ConnectionsConfig);
      const grid = geo.grid;
      const edgeLat = Math.ceil((32.7767 + 90) / grid.latStep) * grid.latStep - 90;
      const inner = { lat: edgeLat - grid.latStep / 2, lng: -96.797 };
      const atEdge = { lat: edgeLat - 0.0009, lng: -96.797 };
      expect(grid.cellsCovering(inner, config.citizenRadiusM)).toHaveLength(1);
      expect(grid.cellsCovering(atEdge, config.citizenRadiusM).length).toBeGreaterThan(1);
      const [officer, citizen] = [randomUUID(), randomUUID()];
      // First writes place both in their partitions; the measured ones are steady updates.
      const { cell } = await placeOfficer(officer, atEdge, null);
      const { cell: citizenCell } = await geo.updateCitizenAndSearch(
        citizen,
        inner,
        null,
        config.citizenRadiusM,
      );
      chunks.length = 0;

      await placeOfficer(officer, offset(atEdge, 5, 0), cell);
      expect(chunks).toEqual([grid.cellsCovering(offset(atEdge, 5, 0), config.citizenRadiusM).length]);
      chunks.length = 0;
      await geo.updateCitizenAndSearch(citizen, offset(inner, 5, 0), citizenCell, config.citizenRadiusM);
      expect(chunks).toEqual([1]);
      chunks.length = 0;
      // Two sockets' updates in the same turn of the event loop share the write.
      await Promise.all([
        placeOfficer(officer, offset(atEdge, 10, 0), cell),
        geo.updateCitizenAndSearch(citizen, offset(inner, 10, 0), citizenCell, config.citizenRadiusM),
      ]);
      expect(chunks).toEqual([grid.cellsCovering(offset(atEdge, 10, 0), config.citizenRadiusM).length + 1]);
    } finally {
      restore();
    }
  });

  it('widens the radius when the nearest step has too few officers', async () => {
    const centre = { lat: 29.7604, lng: -95.3698 };
    const far = randomUUID();
    await placeOfficer(far, offset(centre, 0, 1500), null);
    const hits = await geo.search('officer', centre, 2000);
    expect(hits.map((h) => h.id)).toEqual([far]);
    expect(await geo.search('officer', centre, 1000)).toEqual([]);
  });

  it("shows an officer at its coarse cell's centre, with the distance to that centre rounded to 10 m, whatever the exact spot inside the cell", async () => {
    const centre = { lat: 39.7392, lng: -104.9903 };
    const id = randomUUID();
    const exact = offset(centre, 333, 277);
    const cell = geo.coarse.centreOf(exact);
    await geo.updateOfficer(id, exact, null);
    const mine = async () =>
      (await t.app.get(NearbyQuery).near(centre, 1000)).find((h) => h.officerId === id);
    const hit = await mine();
    expect(hit!.lat).toBeCloseTo(cell.lat, 4);
    expect(hit!.lng).toBeCloseTo(cell.lng, 4);
    expect(hit!.distanceM % 10).toBe(0);
    expect(Math.abs(hit!.distanceM - distanceM(centre, cell))).toBeLessThanOrEqual(5);
    // A few metres elsewhere in the same cell: the same answer.
    const towardsCentre = {
      lat: exact.lat + (cell.lat - exact.lat) / 2,
      lng: exact.lng + (cell.lng - exact.lng) / 2,
    };
    await geo.updateOfficer(id, towardsCentre, undefined);
    expect(await mine()).toEqual(hit);
    // The exact position stays in the index for the proximity rule, never in an answer.
    expect(await geo.position('officer', id)).toMatchObject({
      lat: expect.closeTo(towardsCentre.lat, 5),
      lng: expect.closeTo(towardsCentre.lng, 5),
    });
  });

  it('takes an officer out of the index at once when the window closes', async () => {
    const availability = t.app.get(AvailabilityService);
    const at = { lat: 33.4484, lng: -112.074 };
    const id = randomUUID();
    const w = await availability.open(id, at, '85004', 15);
    expect((await geo.search('officer', at, 500)).map((h) => h.id)).toContain(id);
    expect(await t.app.get(WindowStore).get(id)).toMatchObject({ windowId: w.windowId, zip: '85004' });
    await availability.close(id);
    expect((await geo.search('officer', at, 500)).map((h) => h.id)).not.toContain(id);
    expect(await t.app.get(WindowStore).get(id)).toBeNull();
  });

  it('expires a window on another instance after the opening instance died', async () => {
    const other = await startTestApp({ CONNECTIONS_SWEEP_INTERVAL_MS: '100' }, t.testEnv);
    const at = { lat: 32.7767, lng: -96.797 };
    const id = randomUUID();
    // A 1-minute window opened 58 s ago (clock injected): due in about 2 s.
    await other.app.get(AvailabilityService).open(id, at, null, 1, Date.now() - 58_000);
    await placeOfficer(id, at, undefined);
    expect((await geo.search('officer', at, 500)).map((h) => h.id)).toContain(id);
    await other.close();
    await eventually(
      () => t.app.get(WindowStore).get(id, 0),
      (w) => w === null,
      { what: 'window expired by the surviving instance' },
    );
    // The sweeper claims the window first, then takes the officer out of the index: poll for
    // the second step too rather than racing it.
    await eventually(
      async () => (await geo.search('officer', at, 500)).map((h) => h.id),
      (ids) => !ids.includes(id),
      {
        what: 'officer removed from the index by the surviving instance',
      },
    );
  });
});

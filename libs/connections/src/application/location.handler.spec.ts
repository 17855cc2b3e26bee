import { CoarseGrid } from '../domain/coarse-grid.js';
import { PartitionGrid } from '../domain/partition.js';
import type { Fix } from '../domain/rules/move-must-be-plausible.rule.js';
import type { ConnectionsConfig } from '../infrastructure/connections.config.js';
import type { GeoHit, GeoIndex } from '../infrastructure/geo-index.js';
import type { LastFixStore } from '../infrastructure/last-fix.store.js';
import type { WindowStore } from '../infrastructure/window-store.js';
import { LocationHandler } from './location.handler.js';
import type { NearbyOfficer, NearbyQuery } from './nearby.query.js';
import { PositionHistory } from './position-history.js';
import { AccountNotifier } from './ports.js';

/** In-memory fakes of the handler's ports: they record what the handler asked for. */
class FakeGeo {
  readonly grid = new PartitionGrid(4);
  readonly coarse = new CoarseGrid(100, 25);
  readonly writes: Array<{
    role: string;
    id: string;
    lat: number;
    lng: number;
    previousCell: unknown;
    shown?: unknown;
  }> = [];
  citizensAround: GeoHit[] = [];
  known: { lat: number; lng: number; seenAt: number } | null = null;
  removed: string[] = [];
  async updateOfficer(
    id: string,
    p: { lat: number; lng: number },
    previousCell: unknown,
    _now?: number,
    shown?: unknown,
  ) {
    this.writes.push({ role: 'officer', id, ...p, previousCell, shown });
    return { cell: this.grid.cellOf(p), citizens: this.citizensAround };
  }
  officersAround: GeoHit[] = [{ id: 'o1', distanceM: 50, lat: 40.0004, lng: -74 }];
  async updateCitizenAndSearch(id: string, p: { lat: number; lng: number }, previousCell: unknown) {
    this.writes.push({ role: 'citizen', id, ...p, previousCell });
    return { cell: this.grid.cellOf(p), officers: this.officersAround };
  }
  positionCalls = 0;
  positionFails = false;
  async position() {
    this.positionCalls += 1;
    if (this.positionFails) throw new Error('index unreachable');
    return this.known;
  }
  async remove(_role: string, id: string) {
    this.removed.push(id);
  }
  spent = 0;
  async spend() {
    return ++this.spent;
  }
}

class FakeWindows {
  expiresAt: number | null = Date.now() + 60_000;
  calls = 0;
  /** When set, each read waits for the test to release it (in order), answering what `expiresAt` was when it started. */
  gated = false;
  private readonly gates: Array<() => void> = [];
  async get(officerId: string) {
    this.calls += 1;
    const answer =
      this.expiresAt === null ? null : { windowId: 'w1', officerId, expiresAt: this.expiresAt, zip: null };
    if (this.gated) await new Promise<void>((r) => this.gates.push(r));
    return answer;
  }
  /** Lets the oldest waiting read answer (`newest`: the latest one). */
  release(newest = false): void {
    (newest ? this.gates.pop() : this.gates.shift())?.();
  }
}

class FakeNearby {
  readonly asked: Array<{ lat: number; lng: number }> = [];
  async near(p: { lat: number; lng: number }): Promise<NearbyOfficer[]> {
    this.asked.push(p);
    return [{ officerId: 'o1', displayName: 'Officer', distanceM: 50, lat: p.lat, lng: p.lng }];
  }
  async present(hits: GeoHit[]): Promise<NearbyOfficer[]> {
    return hits.map((h) => ({
      officerId: h.id,
      displayName: 'Officer',
      distanceM: h.distanceM,
      lat: h.lat,
      lng: h.lng,
    }));
  }
}

class RecordingNotifier extends AccountNotifier {
  readonly pushes: Array<{ to: string; event: string; payload: unknown }> = [];
  toAccount(to: string, event: string, payload: unknown): void {
    this.pushes.push({ to, event, payload });
  }
  windowChanged(): void {}
  windowExpired(): void {}
  disconnect(): void {}
}

/** The kept last fixes (LastFixStore), in memory. */
class FakeFixes {
  readonly kept = new Map<string, Fix>();
  async get(id: string) {
    return this.kept.get(id);
  }
  async put(id: string, fix: Fix) {
    this.kept.set(id, fix);
  }
}

const config = {
  locationRatePerS: 5,
  maxSpeedKmh: 300,
  jumpSlackM: 100,
  nearbyAckBudget: { points: 1000, windowMs: 60_000 },
} as ConnectionsConfig;

function setup() {
  const geo = new FakeGeo();
  const windows = new FakeWindows();
  const nearby = new FakeNearby();
  const notifier = new RecordingNotifier();
  const fixes = new FakeFixes();
  const history = new PositionHistory(geo as unknown as GeoIndex, fixes as unknown as LastFixStore, config);
  const handler = new LocationHandler(
    geo as unknown as GeoIndex,
    windows as unknown as WindowStore,
    nearby as unknown as NearbyQuery,
    notifier,
    config,
    history,
  );
  return { geo, windows, nearby, notifier, handler, fixes };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('LocationHandler', () => {
  it('writes a citizen position and answers the officers nearby', async () => {
    const { handler, geo } = setup();
    const ack = await handler.handle(handler.newState('c1', 'citizen'), { lat: 40, lng: -74 });
    expect(ack).toEqual({ ok: true, nearby: [expect.objectContaining({ officerId: 'o1' })] });
    expect(geo.writes).toEqual([
      expect.objectContaining({ role: 'citizen', id: 'c1', lat: 40, lng: -74, previousCell: undefined }),
    ]);
  });

  it("withholds the nearby answer once the account's budget is spent (the fix is still recorded)", async () => {
    const { handler, geo } = setup();
    geo.spent = 1000;
    expect(await handler.handle(handler.newState('c1', 'citizen'), { lat: 40, lng: -74 })).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
    });
    expect(geo.writes).toHaveLength(1);
  });

  it('refuses an invalid payload without touching the index', async () => {
    const { handler, geo } = setup();
    expect(await handler.handle(handler.newState('c1', 'citizen'), { lat: 100, lng: 0 })).toEqual({
      ok: false,
      code: 'INVALID_LOCATION',
    });
    expect(geo.writes).toHaveLength(0);
  });

  it('refuses an officer update without an open window', async () => {
    const { handler, geo, windows } = setup();
    windows.expiresAt = null;
    expect(await handler.handle(handler.newState('o1', 'officer'), { lat: 40, lng: -74 })).toEqual({
      ok: false,
      code: 'NO_OPEN_WINDOW',
    });
    expect(geo.writes).toHaveLength(0);
  });

  it('checks the speed against the last known position, even on a fresh socket', async () => {
    const { handler, geo } = setup();
    geo.known = { lat: 41.88, lng: -87.63, seenAt: Date.now() - 1000 };
    expect(await handler.handle(handler.newState('c1', 'citizen'), { lat: 40.71, lng: -74 })).toEqual({
      ok: false,
      code: 'IMPLAUSIBLE_MOVE',
    });
  });

  it('checks the speed against the kept last fix once the index has forgotten the account', async () => {
    const { handler, fixes } = setup();
    fixes.kept.set('c1', { lat: 41.88, lng: -87.63, t: Date.now() - 10 * 60_000 });
    expect(await handler.handle(handler.newState('c1', 'citizen'), { lat: 40.71, lng: -74 })).toEqual({
      ok: false,
      code: 'IMPLAUSIBLE_MOVE',
    });
  });

  it("writes an officer's coarse cell centre as the shown position, and keeps it while the officer jitters near it", async () => {
    const { handler, geo } = setup();
    const state = handler.newState('o1', 'officer');
    await handler.handle(state, { lat: 40.71234, lng: -74.00567 });
    await handler.handle(state, { lat: 40.71236, lng: -74.00569 });
    const centre = geo.coarse.centreOf({ lat: 40.71234, lng: -74.00567 });
    expect(geo.writes.map((w) => w.shown)).toEqual([centre, centre]);
  });

  it('passes the partition it last wrote so a move between partitions can clean up', async () => {
    const { handler, geo } = setup();
    const state = handler.newState('o1', 'officer');
    await handler.handle(state, { lat: 40, lng: -74 });
    await handler.handle(state, { lat: 40.0001, lng: -74 });
    expect(geo.writes[1]!.previousCell).toBe(geo.grid.cellOf({ lat: 40, lng: -74 }));
  });

  it('pushes officers.nearby only to citizens the officer newly came within reach of', async () => {
    const { handler, geo, notifier } = setup();
    const state = handler.newState('o1', 'officer');
    geo.citizensAround = [{ id: 'c1', distanceM: 100, lat: 40.001, lng: -74 }];
    await handler.handle(state, { lat: 40, lng: -74 });
    geo.citizensAround = [
      { id: 'c1', distanceM: 90, lat: 40.001, lng: -74 },
      { id: 'c2', distanceM: 300, lat: 40.003, lng: -74 },
    ];
    await handler.handle(state, { lat: 40.0001, lng: -74 });
    await flush();
    expect(notifier.pushes.map((p) => [p.to, p.event])).toEqual([
      ['c1', 'officers.nearby'],
      ['c2', 'officers.nearby'],
    ]);
  });

  it('drops the officer from the index when told the window is gone', async () => {
    const { handler, geo, windows } = setup();
    const state = handler.newState('o1', 'officer');
    await handler.handle(state, { lat: 40, lng: -74 });
    windows.expiresAt = null;
    await handler.windowChanged(state);
    expect(geo.removed).toEqual(['o1']);
    expect(await handler.handle(state, { lat: 40, lng: -74 })).toEqual({ ok: false, code: 'NO_OPEN_WINDOW' });
  });

  it('preloads the last known position when the socket connects: the first message reuses it, and the speed check holds', async () => {
    const { handler, geo } = setup();
    geo.known = { lat: 40, lng: -74, seenAt: Date.now() };
    const state = handler.newState('c1', 'citizen');
    handler.preload(state);
    // Two messages while the preload is in flight: one lookup for all three.
    const [first, second] = await Promise.all([
      handler.handle(state, { lat: 45, lng: -74 }),
      handler.handle(state, { lat: 40.0001, lng: -74 }),
    ]);
    expect(geo.positionCalls).toBe(1);
    expect(first).toEqual({ ok: false, code: 'IMPLAUSIBLE_MOVE' });
    expect(second).toMatchObject({ ok: true });
    await handler.handle(state, { lat: 40.0002, lng: -74 });
    expect(geo.positionCalls).toBe(1);
  });

  it('retries a failed preload on the first message, which answers the error when it fails again', async () => {
    const { handler, geo } = setup();
    geo.positionFails = true;
    const state = handler.newState('c1', 'citizen');
    handler.preload(state);
    await flush();
    expect(geo.positionCalls).toBe(1);
    await expect(handler.handle(state, { lat: 40, lng: -74 })).rejects.toThrow('index unreachable');
    expect(geo.positionCalls).toBe(2);
    expect(geo.writes).toEqual([]);
    geo.positionFails = false;
    expect(await handler.handle(state, { lat: 40, lng: -74 })).toMatchObject({ ok: true });
    expect(geo.positionCalls).toBe(3);
  });

  it("preloads an officer's open window when the socket connects: the first message waits for it instead of reading again", async () => {
    const { handler, geo, windows } = setup();
    windows.gated = true;
    const state = handler.newState('o1', 'officer');
    handler.preload(state);
    const ack = handler.handle(state, { lat: 40, lng: -74 });
    await flush();
    expect(windows.calls).toBe(1);
    windows.release();
    expect(await ack).toEqual({ ok: true });
    expect(geo.writes).toHaveLength(1);
    await handler.handle(state, { lat: 40.0001, lng: -74 });
    expect(windows.calls).toBe(1);
  });

  it('reads again when the preload found no window (one may have opened since), and refuses when there still is none', async () => {
    const { handler, geo, windows } = setup();
    windows.expiresAt = null;
    const state = handler.newState('o1', 'officer');
    handler.preload(state);
    await flush();
    windows.expiresAt = Date.now() + 60_000;
    expect(await handler.handle(state, { lat: 40, lng: -74 })).toEqual({ ok: true });
    expect(windows.calls).toBe(2);
    const other = handler.newState('o2', 'officer');
    windows.expiresAt = null;
    handler.preload(other);
    expect(await handler.handle(other, { lat: 40, lng: -74 })).toEqual({ ok: false, code: 'NO_OPEN_WINDOW' });
    expect(geo.writes.map((w) => w.id)).toEqual(['o1']);
  });

  it('keeps a window close that arrives while the preload is on its way: the older read does not bring the window back', async () => {
    const { handler, geo, windows } = setup();
    windows.gated = true;
    const state = handler.newState('o1', 'officer');
    handler.preload(state);
    await flush();
    // The window closes after the preload read it as open; the close's own read answers "none".
    windows.expiresAt = null;
    const changed = handler.windowChanged(state);
    await flush();
    // The close's read answers first, the preload's (older) read after it.
    windows.release(true);
    await changed;
    windows.release();
    await flush();
    expect(state.windowExpiresAt).toBeNull();
    windows.gated = false;
    expect(await handler.handle(state, { lat: 40, lng: -74 })).toEqual({ ok: false, code: 'NO_OPEN_WINDOW' });
    expect(geo.writes).toHaveLength(0);
    expect(geo.removed).toEqual(['o1']);
  });

  it('a failed window preload leaves the window unknown: the first message reads it', async () => {
    const { handler, windows } = setup();
    const failing = windows.get.bind(windows);
    let fail = true;
    windows.get = async (id: string) => {
      if (fail) {
        fail = false;
        throw new Error('store unreachable');
      }
      return failing(id);
    };
    const state = handler.newState('o1', 'officer');
    handler.preload(state);
    await flush();
    expect(state.windowExpiresAt).toBeUndefined();
    expect(await handler.handle(state, { lat: 40, lng: -74 })).toEqual({ ok: true });
  });

  it('fails a message, without writing, when the window store cannot be read at connect nor for the message; the next one reads again', async () => {
    const { handler, geo, windows } = setup();
    const read = windows.get.bind(windows);
    let down = true;
    windows.get = async (id: string) => {
      if (down) throw new Error('store unreachable');
      return read(id);
    };
    const state = handler.newState('o1', 'officer');
    handler.preload(state);
    await flush();
    await expect(handler.handle(state, { lat: 40, lng: -74 })).rejects.toThrow('store unreachable');
    expect(geo.writes).toEqual([]);
    down = false;
    expect(await handler.handle(state, { lat: 40, lng: -74 })).toEqual({ ok: true });
    expect(geo.writes).toHaveLength(1);
  });

  it('rate-limits a socket after its burst', async () => {
    const { handler } = setup();
    const state = handler.newState('c1', 'citizen');
    const acks = [];
    for (let i = 0; i < 7; i++) acks.push(await handler.handle(state, { lat: 40, lng: -74 }));
    expect(acks.filter((a) => !a.ok).map((a) => (a as { code: string }).code)).toEqual([
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
  });
});

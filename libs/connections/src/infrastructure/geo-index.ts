import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisService, closeRedis, writeCoalescer } from '@heyblue/platform';
import { CoarseGrid } from '../domain/coarse-grid.js';
import { distanceM, type LatLng } from '../domain/geo.js';
import { PartitionGrid, type Cell } from '../domain/partition.js';
import { ConnectionsConfig } from './connections.config.js';
import { decodeGeohash } from './redis-geohash.js';
import {
  SPEND_LUA,
  CITIZEN_UPDATE_LUA,
  citizenUpdateLua,
  officerUpdateLua,
  POSITION_LUA,
  REMOVE_LUA,
  SEARCH_LUA,
  SWEEP_LUA,
  UPDATE_LUA,
} from './geo-scripts.js';

export type IndexRole = 'officer' | 'citizen';

/**
 * A member found near a point, nearest first. Officers found by a search are at their coarse
 * position (the only one searches read); citizens at their exact one: never show those.
 */
export interface GeoHit {
  id: string;
  distanceM: number;
  lat: number;
  lng: number;
}

/** A search script's row: member and its 52-bit geohash (its position). */
type Row = [string, number];

interface ScriptedRedis extends Redis {
  connSearch(geo: string, seen: string, ...args: Array<string | number>): Promise<Row[]>;
  connUpdate(
    geo: string,
    seen: string,
    lng: number,
    lat: number,
    member: string,
    now: number,
    ttl: number,
  ): Promise<number>;
  connOfficerUpdate(
    geo: string,
    seen: string,
    cgeo: string,
    cseen: string,
    exactGeo: string,
    lng: number,
    lat: number,
    member: string,
    now: number,
    exactLng: number,
    exactLat: number,
  ): Promise<[number, Row[]]>;
  connCitizenUpdate(
    geo: string,
    seen: string,
    ogeo: string,
    oseen: string,
    lng: number,
    lat: number,
    member: string,
    now: number,
    ttl: number,
    cutoff: number,
    limit: number,
    cap: number,
    ...radii: number[]
  ): Promise<[number, Row[]]>;
  connCitizenUpdateDefault(
    geo: string,
    seen: string,
    ogeo: string,
    oseen: string,
    lng: number,
    lat: number,
    member: string,
    now: number,
  ): Promise<[number, Row[]]>;
  connRemove(numberOfKeys: number, ...keysThenMember: string[]): Promise<number>;
  connSweep(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  connSpend(key: string, windowMs: number): Promise<number>;
  connPosition(
    numberOfKeys: number,
    ...keysThenMember: string[]
  ): Promise<[[string, string] | null, string | null, [string, string] | null]>;
}

/** Where the index last saw a member. */
export interface IndexedPosition extends LatLng {
  seenAt: number;
  /** The partition it is in. */
  cell: Cell;
  /** Officers: the coarse position others see. */
  shown?: LatLng;
}

/** Result of an officer's location write: where it landed (null: not indexable) and the citizens now around. */
export interface OfficerUpdate {
  cell: Cell | null;
  citizens: GeoHit[];
}

/**
 * Redis GEO holds latitudes within ±85.05112878° only (the Web Mercator band); GEOADD and
 * GEOSEARCH answer an error beyond it. The contract accepts any latitude in [-90, 90], so
 * a position beyond the band (Arctic Ocean, inner Antarctica) is accepted but not indexed:
 * the member leaves the index (its last indexed spot would be wrong) and searches from
 * there find nobody.
 */
export const GEO_MAX_LAT = 85.05112878;

/** Whether Redis GEO can hold (and search around) a position. */
export function isIndexable(p: LatLng): boolean {
  return p.lat >= -GEO_MAX_LAT && p.lat <= GEO_MAX_LAT;
}

/**
 * The partitioned Redis GEO index of officers (open window) and citizens (short-lived).
 * A dedicated connection whose writes are coalesced per turn of the event loop
 * (writeCoalescer): the commands that many sockets' messages issue together go out in one
 * write, and each update is a single scripted command.
 */
@Injectable()
export class GeoIndex implements OnModuleDestroy {
  readonly grid: PartitionGrid;
  /** Where others see an officer (docs/security.md). */
  readonly coarse: CoarseGrid;
  private readonly redis: ScriptedRedis;
  private readonly hold: () => void;
  /** Index keys outlive the staleness limit a little, then vanish by themselves. */
  private readonly ttlMs: number;

  constructor(
    private readonly redisService: RedisService,
    private readonly config: ConnectionsConfig,
  ) {
    this.grid = new PartitionGrid(config.partitionPrecision);
    this.coarse = new CoarseGrid(config.coarseCellM, config.coarseCellM / 4);
    this.ttlMs = config.staleAfterMs + 60_000;
    const redis = redisService.duplicate(
      { commandTimeout: 2_000, maxRetriesPerRequest: 2 },
      'connections-geo',
    );
    redis.defineCommand('connSearch', { numberOfKeys: 2, lua: SEARCH_LUA });
    redis.defineCommand('connUpdate', { numberOfKeys: 2, lua: UPDATE_LUA });
    redis.defineCommand('connOfficerUpdate', {
      numberOfKeys: 5,
      lua: officerUpdateLua({
        ttlMs: this.ttlMs,
        staleAfterMs: config.staleAfterMs,
        citizenRadiusM: config.citizenRadiusM,
        citizenLimit: config.candidateCap,
      }),
    });
    redis.defineCommand('connCitizenUpdate', { numberOfKeys: 4, lua: CITIZEN_UPDATE_LUA });
    redis.defineCommand('connCitizenUpdateDefault', {
      numberOfKeys: 4,
      lua: citizenUpdateLua({
        ttlMs: this.ttlMs,
        staleAfterMs: config.staleAfterMs,
        limit: config.nearbyLimit,
        cap: Math.max(config.candidateCap, config.nearbyLimit),
        radii: config.radiiFor(config.citizenRadiusM),
      }),
    });
    // Variable key counts (officers have a third set): the key count goes first in each call.
    redis.defineCommand('connRemove', { lua: REMOVE_LUA });
    redis.defineCommand('connSweep', { lua: SWEEP_LUA });
    redis.defineCommand('connPosition', { lua: POSITION_LUA });
    redis.defineCommand('connSpend', { numberOfKeys: 1, lua: SPEND_LUA });
    this.redis = redis as ScriptedRedis;
    this.hold = writeCoalescer(redis);
  }

  /** The connection, its writes held until the loop's check phase (one write for the whole turn): issue every command through it. */
  private commands(): ScriptedRedis {
    this.hold();
    return this.redis;
  }

  /** `<prefix>:conn:{<cell>}:<suffix>`: the hash tag keeps a partition's keys in one cluster slot. */
  partitionKey(cell: Cell, suffix: 'o' | 'os' | 'ox' | 'c' | 'cs'): string {
    let keys = this.keyCache.get(cell);
    if (!keys) {
      const base = this.redisService.key('conn', `{${cell}}`, '');
      keys = { o: `${base}o`, os: `${base}os`, ox: `${base}ox`, c: `${base}c`, cs: `${base}cs` };
      // Bounded by the partitions in use (a few thousand for the whole US at precision 4).
      if (this.keyCache.size > 100_000) this.keyCache.clear();
      this.keyCache.set(cell, keys);
    }
    return keys[suffix];
  }

  private readonly keyCache = new Map<Cell, Record<'o' | 'os' | 'ox' | 'c' | 'cs', string>>();

  private keys(role: IndexRole, cell: Cell): [string, string] {
    return role === 'officer'
      ? [this.partitionKey(cell, 'o'), this.partitionKey(cell, 'os')]
      : [this.partitionKey(cell, 'c'), this.partitionKey(cell, 'cs')];
  }

  /** Every key holding a member of the role in a partition (officers: coarse, seen, exact). */
  private memberKeys(role: IndexRole, cell: Cell): string[] {
    return role === 'officer'
      ? [this.partitionKey(cell, 'o'), this.partitionKey(cell, 'os'), this.partitionKey(cell, 'ox')]
      : [this.partitionKey(cell, 'c'), this.partitionKey(cell, 'cs')];
  }

  private removeFrom(role: IndexRole, cell: Cell, id: string): Promise<number> {
    const keys = this.memberKeys(role, cell);
    return this.commands().connRemove(keys.length, ...keys, id);
  }

  /** Partitions that currently (may) hold members, for the sweeper. */
  private cellsKey(role: IndexRole): string {
    return this.redisService.key('conn', 'cells', role === 'officer' ? 'o' : 'c');
  }

  /** Partitions that currently (may) hold members of a role: the set the sweeper keeps, so readers never SCAN the keyspace. */
  activePartitions(role: IndexRole): Promise<Cell[]> {
    return this.commands().smembers(this.cellsKey(role));
  }

  /** Which partition an account was last written to (needed to find or remove it without its socket). */
  private whereKey(id: string): string {
    return this.redisService.key('conn', 'at', id);
  }

  /**
   * An officer's new position: `p` exact (kept for the speed check and the proximity rule),
   * `shown` the coarse position every search reads (by default the centre of `p`'s coarse
   * cell; callers that know the previous one pass `coarse.coarsen(p, previous)`). Answers the
   * fresh citizens within `citizenRadiusM` of the coarse position (who get an
   * `officers.nearby` push when the officer is new to them). All commands are issued in one
   * tick: one round trip. `previousCell` is the partition the caller last wrote (socket
   * cache); pass undefined to look it up.
   */
  async updateOfficer(
    id: string,
    p: LatLng,
    previousCell?: Cell | null,
    now = Date.now(),
    shown: LatLng = this.coarse.centreOf(p),
  ): Promise<OfficerUpdate> {
    if (!isIndexable(p) || !isIndexable(shown))
      return { cell: await this.leave('officer', id, previousCell), citizens: NO_HITS };
    const radius = this.config.citizenRadiusM;
    // Own partition first (the coarse position's: an officer lives where it is shown); more
    // only when the citizens' search circle crosses an edge.
    const cells = this.grid.cellsCovering(shown, radius);
    const cell = cells[0]!;
    // Radius, candidate cap, staleness and key TTL are written into the script (officerUpdateLua).
    const own = this.commands().connOfficerUpdate(
      this.partitionKey(cell, 'o'),
      this.partitionKey(cell, 'os'),
      this.partitionKey(cell, 'c'),
      this.partitionKey(cell, 'cs'),
      this.partitionKey(cell, 'ox'),
      shown.lng,
      shown.lat,
      id,
      now,
      p.lng,
      p.lat,
    );
    let others: Array<Promise<Row[]>> = NONE;
    if (cells.length > 1) {
      const cutoff = now - this.config.staleAfterMs;
      const limit = this.config.candidateCap;
      others = cells
        .slice(1)
        .map((c) =>
          this.commands().connSearch(
            this.partitionKey(c, 'c'),
            this.partitionKey(c, 'cs'),
            shown.lng,
            shown.lat,
            cutoff,
            limit,
            limit,
            radius,
          ),
        );
    }
    return {
      cell,
      citizens: await this.settle(
        'officer',
        id,
        shown,
        cell,
        previousCell,
        own,
        others,
        Number.POSITIVE_INFINITY,
      ),
    };
  }

  /** A citizen's new position in the short-lived citizens' index. */
  async updateCitizen(
    id: string,
    p: LatLng,
    previousCell?: Cell | null,
    now = Date.now(),
  ): Promise<Cell | null> {
    if (!isIndexable(p)) return this.leave('citizen', id, previousCell);
    const cell = this.grid.cellOf(p);
    const [geo, seen] = this.keys('citizen', cell);
    const write = this.commands().connUpdate(geo, seen, p.lng, p.lat, id, now, this.ttlMs);
    const moved = previousCell !== cell ? this.moved('citizen', id, cell, previousCell) : undefined;
    const [added] = await Promise.all([write, moved]);
    if (added === 1 && previousCell === cell) await this.commands().sadd(this.cellsKey('citizen'), cell);
    return cell;
  }

  /**
   * A citizen's new position and the fresh officers nearest to it within `radiusM` (at most
   * `limit`), in one round trip: the write and the own partition's search are one scripted
   * command, neighbouring partitions (circle across an edge) are searched in the same tick.
   */
  async updateCitizenAndSearch(
    id: string,
    p: LatLng,
    previousCell: Cell | null | undefined,
    radiusM: number,
    limit = this.config.nearbyLimit,
    now = Date.now(),
  ): Promise<{ cell: Cell | null; officers: GeoHit[] }> {
    if (!isIndexable(p)) return { cell: await this.leave('citizen', id, previousCell), officers: NO_HITS };
    const cells = this.grid.cellsCovering(p, radiusM);
    const cell = cells[0]!;
    const cutoff = now - this.config.staleAfterMs;
    const radii = this.config.radiiFor(radiusM);
    const cap = Math.max(this.config.candidateCap, limit);
    const cGeo = this.partitionKey(cell, 'c');
    const cSeen = this.partitionKey(cell, 'cs');
    const oGeo = this.partitionKey(cell, 'o');
    const oSeen = this.partitionKey(cell, 'os');
    // The instance's own radius and answer size are written into a script of their own (4 arguments instead of 11 or more).
    const own =
      radiusM === this.config.citizenRadiusM && limit === this.config.nearbyLimit
        ? this.commands().connCitizenUpdateDefault(cGeo, cSeen, oGeo, oSeen, p.lng, p.lat, id, now)
        : this.commands().connCitizenUpdate(
            cGeo,
            cSeen,
            oGeo,
            oSeen,
            p.lng,
            p.lat,
            id,
            now,
            this.ttlMs,
            cutoff,
            limit,
            cap,
            ...radii,
          );
    const others =
      cells.length === 1
        ? NONE
        : cells
            .slice(1)
            .map((c) =>
              this.commands().connSearch(
                ...this.keys('officer', c),
                p.lng,
                p.lat,
                cutoff,
                limit,
                cap,
                ...radii,
              ),
            );
    return { cell, officers: await this.settle('citizen', id, p, cell, previousCell, own, others, limit) };
  }

  /**
   * The rest of a write-and-search: partition bookkeeping when the member changed partition,
   * and the own partition's rows merged with the neighbours', nearest first, at most `limit`.
   * Everything is awaited together: when one call fails, the others' rejections must not go
   * unhandled.
   */
  private async settle(
    role: IndexRole,
    id: string,
    from: LatLng,
    cell: Cell,
    previousCell: Cell | null | undefined,
    own: Promise<[number, Row[]]>,
    others: Array<Promise<Row[]>>,
    limit: number,
  ): Promise<GeoHit[]> {
    const moved = previousCell !== cell ? this.moved(role, id, cell, previousCell) : undefined;
    // The common case (same partition, no neighbour searched): one awaited reply, no Promise.all.
    const [[added, rows], otherRows] =
      moved === undefined && others.length === 0
        ? [await own, NONE]
        : await Promise.all([own, others.length === 0 ? NONE : Promise.all(others), moved]);
    // Re-added after a sweep in the same partition: make sure the sweeper knows it again.
    if (added === 1 && previousCell === cell) await this.commands().sadd(this.cellsKey(role), cell);
    if (rows.length === 0 && otherRows.length === 0) return NO_HITS;
    return merge(from, [rows, ...otherRows], limit);
  }

  /** The member moved beyond the indexable band: out of its last partition. Returns the new (no) cell. */
  private async leave(role: IndexRole, id: string, previousCell: Cell | null | undefined): Promise<null> {
    await this.remove(role, id, previousCell);
    return null;
  }

  /**
   * The member changed partition (or we do not know its last one): drop it from the old
   * partition, remember the new one. `previousCell === undefined` means "look it up".
   */
  private async moved(
    role: IndexRole,
    id: string,
    cell: Cell,
    previousCell: Cell | null | undefined,
  ): Promise<void> {
    const where = this.whereKey(id);
    const sadd = this.commands().sadd(this.cellsKey(role), cell);
    const old =
      previousCell === undefined
        ? await this.commands().set(where, cell, 'PX', 86_400_000, 'GET')
        : (await this.commands().set(where, cell, 'PX', 86_400_000), previousCell);
    await sadd;
    if (old && old !== cell) await this.removeFrom(role, old, id);
  }

  /**
   * Fresh members nearest to `p` within `radiusM`, nearest first, at most `limit`.
   * Reads every partition the search circle touches, in one round trip.
   */
  async search(
    role: IndexRole,
    p: LatLng,
    radiusM: number,
    limit = this.config.nearbyLimit,
    now = Date.now(),
  ): Promise<GeoHit[]> {
    if (!isIndexable(p)) return NO_HITS;
    const cutoff = now - this.config.staleAfterMs;
    const radii = this.config.radiiFor(radiusM);
    const cap = Math.max(this.config.candidateCap, limit);
    const calls = this.grid
      .cellsCovering(p, radiusM)
      .map((c) =>
        this.commands().connSearch(...this.keys(role, c), p.lng, p.lat, cutoff, limit, cap, ...radii),
      );
    return merge(p, await Promise.all(calls), limit);
  }

  /**
   * A member's exact position and when it was last updated, or null when unknown; for an
   * officer also `shown`, its coarse position. Never answer the exact one to anyone else.
   */
  async position(role: IndexRole, id: string): Promise<IndexedPosition | null> {
    const cell = await this.commands().get(this.whereKey(id));
    if (!cell) return null;
    const keys =
      role === 'officer'
        ? [this.partitionKey(cell, 'ox'), this.partitionKey(cell, 'os'), this.partitionKey(cell, 'o')]
        : this.keys(role, cell);
    const [pos, seen, coarse] = await this.commands().connPosition(keys.length, ...keys, id);
    if (!pos || !seen) return null;
    return {
      lng: Number(pos[0]),
      lat: Number(pos[1]),
      seenAt: Number(seen),
      cell,
      shown: coarse ? { lng: Number(coarse[0]), lat: Number(coarse[1]) } : undefined,
    };
  }

  /** Whether a member is in the index with a fresh position. */
  async isFresh(role: IndexRole, id: string, now = Date.now()): Promise<boolean> {
    const p = await this.position(role, id);
    return p !== null && p.seenAt >= now - this.config.staleAfterMs;
  }

  /** Removes an account from the index at once (window closed or expired). */
  async remove(role: IndexRole, id: string, cell?: Cell | null): Promise<void> {
    const where = cell ?? (await this.commands().get(this.whereKey(id)));
    if (where) await this.removeFrom(role, where, id);
  }

  /**
   * Counts one use of an account's per-window budget and answers the count so far in the
   * window (fixed window of `windowMs`). Issued through the index's connection so that, sent
   * in the same turn as the update it goes with, it shares that update's write.
   */
  spend(accountId: string, budget: string, windowMs: number): Promise<number> {
    return this.commands().connSpend(
      this.redisService.key('conn', 'budget', budget, `{${accountId}}`),
      windowMs,
    );
  }

  /** Drops members not updated within the staleness limit from every known partition. */
  async sweepStale(now = Date.now()): Promise<number> {
    const cutoff = now - this.config.staleAfterMs;
    let swept = 0;
    for (const role of ['officer', 'citizen'] as const) {
      const cells = await this.commands().smembers(this.cellsKey(role));
      const left = await Promise.all(
        cells.map((c) => {
          const keys = this.memberKeys(role, c);
          return this.commands().connSweep(keys.length, ...keys, cutoff, 1000);
        }),
      );
      const empty = cells.filter((_, i) => left[i] === 0);
      swept += cells.length;
      if (empty.length > 0) await this.commands().srem(this.cellsKey(role), ...empty);
    }
    return swept;
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.redis);
  }
}

const NONE: never[] = [];
const NO_HITS: GeoHit[] = [];

/** Merges per-partition answers (each nearest first) around `from` into one list, nearest first. */
function merge(from: LatLng, parts: Row[][], limit: number): GeoHit[] {
  const hits: GeoHit[] = [];
  for (const rows of parts) {
    for (const [id, hash] of rows) {
      const at = decodeGeohash(hash);
      hits.push({ id, distanceM: distanceM(from, at), lng: at.lng, lat: at.lat });
    }
  }
  if (parts.length > 1) hits.sort((a, b) => a.distanceM - b.distanceM);
  return hits.length > limit ? hits.slice(0, limit) : hits;
}

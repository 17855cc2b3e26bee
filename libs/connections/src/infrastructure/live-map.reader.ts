import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisService } from '@heyblue/platform';
import { CITIZEN_CELL_DEG, geohashBounds, overlaps, type BBox } from '../domain/live-map.js';
import { ConnectionsConfig } from './connections.config.js';
import { GeoIndex, type IndexRole } from './geo-index.js';

/**
 * Fresh members of one partition inside a box, in one reply. KEYS: geo, seen.
 * ARGV: cutoff, cap, west, south, east, north, mode, cellDeg.
 * Returns {full, rows}: full = 1 when `cap` fresh members were read (there may be more).
 * mode 'ids' (officers): rows = {id, lng, lat, seenMs} per member, as strings (Lua numbers
 * would be truncated to integers in the reply). mode 'cells' (citizens): rows = {x, y, count}
 * per citizen cell (x = floor(lng / cellDeg), y = floor(lat / cellDeg), integers), so a busy
 * partition answers a few cells instead of every position. GEOPOS goes in batches (Lua's
 * unpack has a stack limit).
 */
const SNAPSHOT_LUA = `
local cap = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, cap)
local n = #ids / 2
local w, s, e, nn = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local withIds = ARGV[7] == 'ids'
local cellDeg = tonumber(ARGV[8])
local rows = {}
local cells = {}
for i = 1, n, 500 do
  local batch = {}
  for j = i, math.min(n, i + 499) do batch[#batch + 1] = ids[2 * j - 1] end
  local pos = redis.call('GEOPOS', KEYS[1], unpack(batch))
  for k = 1, #batch do
    local p = pos[k]
    if p then
      local lng, lat = tonumber(p[1]), tonumber(p[2])
      if lng >= w and lng <= e and lat >= s and lat <= nn then
        if withIds then
          rows[#rows + 1] = batch[k]
          rows[#rows + 1] = p[1]
          rows[#rows + 1] = p[2]
          rows[#rows + 1] = ids[2 * (i + k - 1)]
        else
          local x, y = math.floor(lng / cellDeg), math.floor(lat / cellDeg)
          local key = x .. ':' .. y
          local c = cells[key]
          if c then
            c[3] = c[3] + 1
          else
            c = {x, y, 1}
            cells[key] = c
            rows[#rows + 1] = c
          end
        end
      end
    end
  end
end
if not withIds then
  local flat = {}
  for _, c in ipairs(rows) do
    flat[#flat + 1] = c[1]
    flat[#flat + 1] = c[2]
    flat[#flat + 1] = c[3]
  end
  rows = flat
end
return {n >= cap and 1 or 0, rows}
`;

interface SnapshotRedis extends Redis {
  connLiveMap(
    geo: string,
    seen: string,
    cutoff: number,
    cap: number,
    west: number,
    south: number,
    east: number,
    north: number,
    mode: 'ids' | 'cells',
    cellDeg: number,
  ): Promise<[number, Array<string | number>]>;
}

export interface MapOfficer {
  id: string;
  lat: number;
  lng: number;
  seenAt: number;
}

/** Partitions read per burst (all issued in one tick). */
const BURST = 200;

/**
 * Reads the partitioned GEO index for the admin live map: the partitions the sweeper's
 * active set lists, kept when they overlap the box, one script each. Never KEYS/SCAN.
 */
@Injectable()
export class LiveMapReader {
  private readonly redis: SnapshotRedis;

  constructor(
    redisService: RedisService,
    private readonly geo: GeoIndex,
    private readonly config: ConnectionsConfig,
  ) {
    const r = redisService.client;
    if (!('connLiveMap' in r)) r.defineCommand('connLiveMap', { numberOfKeys: 2, lua: SNAPSHOT_LUA });
    this.redis = r as SnapshotRedis;
  }

  /** Fresh officers in the box (exact positions: the caller rounds), at most `cap` per partition. */
  async officers(box: BBox, cap: number, now: number): Promise<{ officers: MapOfficer[]; full: boolean }> {
    const parts = await this.read('officer', box, cap, now);
    const officers: MapOfficer[] = [];
    for (const [, rows] of parts) {
      for (let i = 0; i < rows.length; i += 4)
        officers.push({
          id: String(rows[i]),
          lng: Number(rows[i + 1]),
          lat: Number(rows[i + 2]),
          seenAt: Number(rows[i + 3]),
        });
    }
    return { officers, full: parts.some(([full]) => full === 1) };
  }

  /** Fresh citizens in the box counted per citizen cell, per partition (the caller merges them); at most `cap` read per partition. */
  async citizenCounts(
    box: BBox,
    cap: number,
    now: number,
  ): Promise<{ counts: Array<{ x: number; y: number; count: number }>; full: boolean }> {
    const parts = await this.read('citizen', box, cap, now);
    const counts: Array<{ x: number; y: number; count: number }> = [];
    for (const [, rows] of parts)
      for (let i = 0; i < rows.length; i += 3)
        counts.push({ x: Number(rows[i]), y: Number(rows[i + 1]), count: Number(rows[i + 2]) });
    return { counts, full: parts.some(([full]) => full === 1) };
  }

  private async read(
    role: IndexRole,
    box: BBox,
    cap: number,
    now: number,
  ): Promise<Array<[number, Array<string | number>]>> {
    const cells = (await this.geo.activePartitions(role)).filter((c) => {
      const b = geohashBounds(c);
      return b !== null && overlaps(b, box);
    });
    const cutoff = now - this.config.staleAfterMs;
    const suffix = role === 'officer' ? (['o', 'os'] as const) : (['c', 'cs'] as const);
    const out: Array<[number, Array<string | number>]> = [];
    for (let i = 0; i < cells.length; i += BURST) {
      const burst = cells
        .slice(i, i + BURST)
        .map((c) =>
          this.redis.connLiveMap(
            this.geo.partitionKey(c, suffix[0]),
            this.geo.partitionKey(c, suffix[1]),
            cutoff,
            cap,
            box.west,
            box.south,
            box.east,
            box.north,
            role === 'officer' ? 'ids' : 'cells',
            CITIZEN_CELL_DEG,
          ),
        );
      out.push(...(await Promise.all(burst)));
    }
    return out;
  }
}

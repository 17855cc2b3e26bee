import type { LatLng } from './geo.js';

/** A map window in degrees: west < east (no antimeridian crossing), south < north. */
export interface BBox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Every US state, Alaska's Aleutians and Hawaii included: the live map's default window. */
export const US_BBOX: BBox = Object.freeze({ west: -180, south: 18, east: -66, north: 72 });

/** At most this many officers and this many citizen cells in one answer (a map shows no more usefully). */
export const LIVE_MAP_CAP = 2_000;

/**
 * Citizens are only ever shown as counts per 0.1° × 0.1° cell (≈ 11 × 8 km in the contiguous
 * US), at the cell centre: an admin sees where people are active, never anyone's position.
 */
export const CITIZEN_CELL_DEG = 0.1;

const NUMBER = /^-?\d{1,3}(\.\d{1,12})?$/;

/** `west,south,east,north` → a box, or null when it is not one we can answer. */
export function parseBBox(raw: string): BBox | null {
  const parts = raw.split(',');
  if (parts.length !== 4 || !parts.every((p) => NUMBER.test(p.trim()))) return null;
  const [west, south, east, north] = parts.map(Number) as [number, number, number, number];
  if (west < -180 || east > 180 || south < -90 || north > 90) return null;
  if (!(west < east) || !(south < north)) return null;
  return { west, south, east, north };
}

export function contains(box: BBox, p: LatLng): boolean {
  return p.lng >= box.west && p.lng <= box.east && p.lat >= box.south && p.lat <= box.north;
}

export function overlaps(a: BBox, b: BBox): boolean {
  return a.west <= b.east && b.west <= a.east && a.south <= b.north && b.south <= a.north;
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The box a geohash cell (a GEO index partition name) covers, or null for a name that is not a geohash. */
export function geohashBounds(hash: string): BBox | null {
  let west = -180;
  let east = 180;
  let south = -90;
  let north = 90;
  let lngBit = true;
  for (const ch of hash) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return null;
    for (let b = 4; b >= 0; b--) {
      const on = ((v >> b) & 1) === 1;
      if (lngBit) {
        const mid = (west + east) / 2;
        if (on) west = mid;
        else east = mid;
      } else {
        const mid = (south + north) / 2;
        if (on) south = mid;
        else north = mid;
      }
      lngBit = !lngBit;
    }
  }
  return hash.length > 0 ? { west, south, east, north } : null;
}

/** The citizen cell a position counts in: its column and row in 0.1° steps (Redis's Lua computes the same in doubles). */
export function citizenCellOf(p: LatLng): { x: number; y: number } {
  return { x: Math.floor(p.lng / CITIZEN_CELL_DEG), y: Math.floor(p.lat / CITIZEN_CELL_DEG) };
}

/**
 * Merges per-partition cell counts (a cell may straddle partitions) into the map's cells,
 * at most `cap` (the busiest kept), each at its centre.
 */
export function citizenCells(
  counts: Iterable<{ x: number; y: number; count: number }>,
  cap = LIVE_MAP_CAP,
): { cells: Array<LatLng & { count: number }>; truncated: boolean } {
  const merged = new Map<string, { x: number; y: number; count: number }>();
  for (const c of counts) {
    const key = `${c.x}:${c.y}`;
    const m = merged.get(key);
    if (m) m.count += c.count;
    else merged.set(key, { ...c });
  }
  const all = [...merged.values()].sort((a, b) => b.count - a.count || a.y - b.y || a.x - b.x);
  const centre = (i: number) => Math.round((i + 0.5) * CITIZEN_CELL_DEG * 100) / 100;
  return {
    cells: all.slice(0, cap).map((c) => ({ lat: centre(c.y), lng: centre(c.x), count: c.count })),
    truncated: all.length > cap,
  };
}

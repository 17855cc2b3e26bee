import { EARTH_RADIUS_M, type LatLng } from './geo.js';

/**
 * The GEO index is partitioned by geohash cell. A cell is derived from the coordinates
 * alone, so the partition never depends on the app sending a ZIP (a ZIP prefix would need
 * a coordinate→ZIP lookup for every update and its areas vary 1000× in size). Precision 4
 * cells are 0.3516° × 0.1758° (≈ 30 × 20 km in the contiguous US): a metro spreads over a
 * handful of partitions, each partition's members stay in one Redis Cluster slot, and a
 * 5 km search box touches at most 2 × 2 of them.
 */
export type Cell = string;

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** Most partitions one search reads (see the polar note in `cellsCovering`). */
export const MAX_CELLS = 64;

/** Grid geometry for a geohash length. */
export class PartitionGrid {
  readonly lngBits: number;
  readonly latBits: number;
  readonly lngStep: number;
  readonly latStep: number;
  private readonly lngCells: number;
  private readonly latCells: number;

  constructor(readonly precision: number) {
    if (!Number.isInteger(precision) || precision < 1 || precision > 8)
      throw new Error(`unsupported geohash precision ${precision}`);
    const bits = precision * 5;
    // Geohash interleaves longitude first, so longitude gets the extra bit on odd totals.
    this.lngBits = Math.ceil(bits / 2);
    this.latBits = Math.floor(bits / 2);
    this.lngCells = 2 ** this.lngBits;
    this.latCells = 2 ** this.latBits;
    this.lngStep = 360 / this.lngCells;
    this.latStep = 180 / this.latCells;
  }

  /** The partition holding a position. */
  cellOf(p: LatLng): Cell {
    return this.encode(this.lngIndex(p.lng), this.latIndex(p.lat));
  }

  /**
   * Every partition a circle of `radiusM` around `p` can touch (its bounding box), own cell
   * first: a search near an edge also reads the neighbouring partitions.
   */
  cellsCovering(p: LatLng, radiusM: number): Cell[] {
    const dLat = (radiusM / EARTH_RADIUS_M) * (180 / Math.PI);
    const cosLat = Math.cos((p.lat * Math.PI) / 180);
    // Near the poles the box spans every longitude.
    const dLng = cosLat < 1e-6 ? 180 : Math.min(180, dLat / cosLat);
    // Fast path (most calls, on the hot path): the search box lies inside the own cell.
    const x = this.lngIndex(p.lng);
    const y = this.latIndex(p.lat);
    const west = x * this.lngStep - 180;
    const south = y * this.latStep - 90;
    if (
      p.lng - dLng >= west &&
      p.lng + dLng < west + this.lngStep &&
      p.lat - dLat >= south &&
      p.lat + dLat < south + this.latStep
    ) {
      return [this.encode(x, y)];
    }
    const y0 = this.latIndex(Math.max(-90, p.lat - dLat));
    const y1 = this.latIndex(Math.min(90, p.lat + dLat));
    let xs = dLng >= 180 ? this.allLng() : this.lngRange(p.lng - dLng, p.lng + dLng);
    // Within a few km of a pole the box spans every longitude (up to 1024 partitions at
    // precision 4); no officer patrols there, so one update must not fan out to all of
    // them: keep the own column and its two neighbours.
    if (xs.length * (y1 - y0 + 1) > MAX_CELLS)
      xs = [(x - 1 + this.lngCells) % this.lngCells, x, (x + 1) % this.lngCells];
    const own = this.cellOf(p);
    const cells = new Set<Cell>([own]);
    for (let y = y0; y <= y1; y++) for (const x of xs) cells.add(this.encode(x, y));
    return [...cells];
  }

  private lngIndex(lng: number): number {
    const i = Math.floor((lng + 180) / this.lngStep);
    return Math.min(this.lngCells - 1, Math.max(0, i));
  }

  private latIndex(lat: number): number {
    const i = Math.floor((lat + 90) / this.latStep);
    return Math.min(this.latCells - 1, Math.max(0, i));
  }

  /** Longitude cell indices from west to east, wrapping across the antimeridian. */
  private lngRange(west: number, east: number): number[] {
    const wrap = (lng: number) => ((((lng + 180) % 360) + 360) % 360) - 180;
    const x0 = this.lngIndex(wrap(west));
    const x1 = this.lngIndex(wrap(east));
    const out: number[] = [];
    for (let x = x0; ; x = (x + 1) % this.lngCells) {
      out.push(x);
      if (x === x1 || out.length >= this.lngCells) break;
    }
    return out;
  }

  private allLng(): number[] {
    return Array.from({ length: this.lngCells }, (_, i) => i);
  }

  /** Cell names by index pair: the hot path asks for the same few cells over and over. */
  private readonly names = new Map<number, Cell>();

  /** Interleaves the cell indices into a standard geohash string (memoised). */
  private encode(x: number, y: number): Cell {
    const id = x * this.latCells + y;
    let name = this.names.get(id);
    if (name === undefined) {
      if (this.names.size >= 200_000) this.names.clear();
      name = this.interleave(x, y);
      this.names.set(id, name);
    }
    return name;
  }

  private interleave(x: number, y: number): Cell {
    let hash = '';
    let lngBit = this.lngBits - 1;
    let latBit = this.latBits - 1;
    let even = true;
    let ch = 0;
    let n = 0;
    while (lngBit >= 0 || latBit >= 0) {
      const bit = even ? (x >> lngBit--) & 1 : (y >> latBit--) & 1;
      ch = (ch << 1) | bit;
      even = !even;
      if (++n === 5) {
        hash += BASE32[ch];
        ch = 0;
        n = 0;
      }
    }
    return hash;
  }
}

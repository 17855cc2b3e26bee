/**
 * Point-in-polygon lookup over many polygons (US counties). Each polygon's rings are flat
 * `[lng0, lat0, lng1, lat1, …]` arrays and a point is inside by the even-odd rule over all
 * of a polygon's rings, so holes (a city carved out of a county) need no special case. A
 * uniform grid of CELL° cells lists the polygons whose bounding box touches each cell: a
 * lookup tests only the few polygons of one cell.
 */
export interface IndexedPolygon {
  /** Index of the area (county) this polygon belongs to; an area may have many polygons (islands). */
  area: number;
  rings: Float64Array[];
}

interface Entry extends IndexedPolygon {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** 0.25° (≈ 28 × 20 km at US latitudes): a cell holds a handful of counties, a county spans a few cells. */
const CELL = 0.25;

const cellKey = (cx: number, cy: number): number => (cy + 400) * 2000 + (cx + 800);

/** Even-odd crossing test of one ring. */
function crossings(ring: Float64Array, x: number, y: number): number {
  let inside = 0;
  const n = ring.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const yi = ring[i + 1]!;
    const yj = ring[j + 1]!;
    if (yi > y !== yj > y) {
      const xi = ring[i]!;
      const xj = ring[j]!;
      if (x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside ^= 1;
    }
  }
  return inside;
}

export class PolygonIndex {
  private readonly grid = new Map<number, Entry[]>();
  private readonly entries: Entry[] = [];

  add(polygon: IndexedPolygon): void {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const ring of polygon.rings) {
      for (let i = 0; i < ring.length; i += 2) {
        const x = ring[i]!;
        const y = ring[i + 1]!;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
    const entry: Entry = { ...polygon, minX, minY, maxX, maxY };
    this.entries.push(entry);
    for (let cx = Math.floor(minX / CELL); cx <= Math.floor(maxX / CELL); cx++) {
      for (let cy = Math.floor(minY / CELL); cy <= Math.floor(maxY / CELL); cy++) {
        const key = cellKey(cx, cy);
        const list = this.grid.get(key);
        if (list) list.push(entry);
        else this.grid.set(key, [entry]);
      }
    }
  }

  /** The area containing (lng, lat), or -1. */
  areaAt(lng: number, lat: number): number {
    const list = this.grid.get(cellKey(Math.floor(lng / CELL), Math.floor(lat / CELL)));
    if (!list) return -1;
    for (const e of list) {
      if (lng < e.minX || lng > e.maxX || lat < e.minY || lat > e.maxY) continue;
      let inside = 0;
      for (const ring of e.rings) inside ^= crossings(ring, lng, lat);
      if (inside) return e.area;
    }
    return -1;
  }

  get size(): { polygons: number; cells: number; vertices: number } {
    let vertices = 0;
    for (const e of this.entries) for (const r of e.rings) vertices += r.length / 2;
    return { polygons: this.entries.length, cells: this.grid.size, vertices };
  }
}

import { EARTH_RADIUS_M, type LatLng } from './geo.js';

/** Metres per degree of latitude on the sphere Redis uses. */
const M_PER_DEG = (EARTH_RADIUS_M * Math.PI) / 180;

/**
 * Where others see an officer: the centre of a fixed grid cell about `cellM` across
 * (docs/security.md, "officer location privacy"). Every answer (the shown position, the
 * distance, the order, whether an officer is inside a radius) is computed from this centre,
 * so moves inside a cell change nothing anyone can observe, however many queries they make.
 *
 * Why a fixed grid and not noise: a random offset (even one kept per window) shows every move
 * exactly, and a path's shape on the street grid gives the offset away; averaging fresh noise
 * converges on the true spot. A fixed cell shows the same point for every position inside it.
 *
 * Rows are `cellM / M_PER_DEG` degrees of latitude; each row has a whole number of columns
 * (about `cellM` wide at the row's middle latitude), so columns meet at ±180° and cells stay
 * about square from the equator to the poles.
 *
 * Hysteresis: a fix keeps the previous cell while it stays within `marginM` of that cell, so
 * GPS jitter across an edge does not flip the cell back and forth (each flip would tell that
 * the officer stands within a few metres of that edge).
 */
export class CoarseGrid {
  readonly latStep: number;
  /**
   * The farthest a shown centre can be from the officer's exact position: half a cell plus the
   * hysteresis margin on both axes (with 5 % for the whole-column rounding).
   */
  readonly maxOffsetM: number;

  constructor(
    readonly cellM: number,
    readonly marginM: number,
  ) {
    if (!(cellM > 0) || !(marginM >= 0)) throw new Error(`invalid coarse grid ${cellM} m / ${marginM} m`);
    // A whole number of rows from pole to pole.
    this.latStep = 180 / Math.max(1, Math.round((180 * M_PER_DEG) / cellM));
    this.maxOffsetM = Math.ceil(Math.SQRT2 * (cellM / 2 + marginM) * 1.05);
  }

  private row(lat: number): number {
    const rows = Math.round(180 / this.latStep);
    return Math.min(rows - 1, Math.max(0, Math.floor((lat + 90) / this.latStep)));
  }

  private columns(row: number): number {
    const mid = -90 + (row + 0.5) * this.latStep;
    const widthM = M_PER_DEG * 360 * Math.cos((mid * Math.PI) / 180);
    return Math.max(1, Math.round(widthM / this.cellM));
  }

  /** The centre of the cell holding `p`. */
  centreOf(p: LatLng): LatLng {
    const row = this.row(p.lat);
    const cols = this.columns(row);
    const lngStep = 360 / cols;
    const col = Math.min(cols - 1, Math.max(0, Math.floor((p.lng + 180) / lngStep)));
    return { lat: -90 + (row + 0.5) * this.latStep, lng: -180 + (col + 0.5) * lngStep };
  }

  /**
   * The coarse position for a new fix: the previous cell's centre while the fix stays within
   * `marginM` of that cell, else the centre of the fix's own cell.
   */
  coarsen(p: LatLng, previous?: LatLng | null): LatLng {
    // Recomputed: a centre read back from Redis GEO is off by its geohash rounding (< 1 m).
    if (previous && this.withinMargin(p, previous)) return this.centreOf(previous);
    return this.centreOf(p);
  }

  /** Whether `p` lies inside the cell centred on `centre`, widened by the margin on every side. */
  private withinMargin(p: LatLng, centre: LatLng): boolean {
    const row = this.row(centre.lat);
    const lngStep = 360 / this.columns(row);
    const marginLat = this.marginM / M_PER_DEG;
    if (Math.abs(p.lat - centre.lat) > this.latStep / 2 + marginLat) return false;
    const cos = Math.max(1e-6, Math.cos((p.lat * Math.PI) / 180));
    let dLng = Math.abs(p.lng - centre.lng);
    if (dLng > 180) dLng = 360 - dLng;
    return dLng <= lngStep / 2 + this.marginM / (M_PER_DEG * cos);
  }
}

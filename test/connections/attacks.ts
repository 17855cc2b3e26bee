import { distanceM, type LatLng } from '../../libs/connections/src/domain/geo.js';

/**
 * The attacker's arithmetic, kept apart from the API calls so docs/security.md's figures
 * and the e2e attacks use the same estimators.
 */

/** Smallest integer radius in [lo, hi] for which `inside(r)` holds (inside is monotone in r); hi + 1 when never. */
export async function bisectRadius(
  inside: (r: number) => Promise<boolean>,
  lo: number,
  hi: number,
): Promise<{ radius: number; queries: number }> {
  let queries = 0;
  if (!(queries++, await inside(hi))) return { radius: hi + 1, queries };
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    queries++;
    if (await inside(mid)) hi = mid;
    else lo = mid + 1;
  }
  return { radius: lo, queries };
}

/**
 * Least-squares position from distances measured at known points (what trilateration from
 * bisected radii or from many rounded distances converges on): a coarse-to-fine grid search
 * around `guess`, down to 0.25 m.
 */
export function estimate(samples: Array<{ from: LatLng; d: number }>, guess: LatLng, spanM = 400): LatLng {
  const cost = (p: LatLng): number => samples.reduce((sum, s) => sum + (distanceM(s.from, p) - s.d) ** 2, 0);
  let best = guess;
  for (let step = spanM / 20; step >= 0.25; step /= 4) {
    const centre = best;
    let bestCost = cost(best);
    for (let i = -20; i <= 20; i++) {
      for (let j = -20; j <= 20; j++) {
        const p = at(centre, i * step, j * step);
        const c = cost(p);
        if (c < bestCost) {
          bestCost = c;
          best = p;
        }
      }
    }
  }
  return best;
}

/** Offsets a position by metres north/east. */
export function at(p: LatLng, northM: number, eastM: number): LatLng {
  return {
    lat: p.lat + northM / 111_320,
    lng: p.lng + eastM / (111_320 * Math.cos((p.lat * Math.PI) / 180)),
  };
}

/**
 * Nearest labelled point (a ZIP centroid) among a small candidate list, by equirectangular
 * distance: exact enough to rank points a few kilometres apart, and a handful of
 * multiplications per candidate.
 */
export interface LabelledPoint {
  label: string;
  lat: number;
  lng: number;
}

const RAD = Math.PI / 180;
const EARTH_M = 6_371_000;

export function distanceM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const x = (lng2 - lng1) * RAD * Math.cos(((lat1 + lat2) / 2) * RAD);
  const y = (lat2 - lat1) * RAD;
  return Math.sqrt(x * x + y * y) * EARTH_M;
}

export function nearest(
  points: readonly LabelledPoint[],
  lat: number,
  lng: number,
): { point: LabelledPoint; distanceM: number } | null {
  const k = Math.cos(lat * RAD);
  let best: LabelledPoint | null = null;
  let bestD = Infinity;
  for (const p of points) {
    const dx = (p.lng - lng) * k;
    const dy = p.lat - lat;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  return best ? { point: best, distanceM: distanceM(lat, lng, best.lat, best.lng) } : null;
}

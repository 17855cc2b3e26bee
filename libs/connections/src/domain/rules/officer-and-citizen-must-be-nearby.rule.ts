import { TooFar } from '../connections.errors.js';
import { distanceM, type LatLng } from '../geo.js';

/** A request and its acceptance need both parties within the proximity threshold. Returns the distance. */
export function officerAndCitizenMustBeNearby(officer: LatLng, citizen: LatLng, thresholdM: number): number {
  const d = distanceM(officer, citizen);
  if (d > thresholdM) throw new TooFar(thresholdM);
  return d;
}

import { TooFar } from '../connections.errors.js';
import { distanceM, type LatLng } from '../geo.js';

/**
 * A request and its acceptance need both parties within the proximity threshold. Returns the
 * distance. `slackM` widens the test when `officer` is a coarse position (the request check):
 * every pair truly within the threshold still passes.
 */
export function officerAndCitizenMustBeNearby(
  officer: LatLng,
  citizen: LatLng,
  thresholdM: number,
  slackM = 0,
): number {
  const d = distanceM(officer, citizen);
  if (d > thresholdM + slackM) throw new TooFar(thresholdM);
  return d;
}

import { ImplausibleMove } from '../connections.errors.js';
import { distanceM, type LatLng } from '../geo.js';

export interface Fix extends LatLng {
  /** Epoch ms the position was received. */
  t: number;
}

/**
 * A location update is implausible when covering the distance from the previous fix would
 * need more than `maxSpeedKmh`. `slackM` absorbs GPS jitter, so two quick fixes a few metres
 * apart are never refused; a teleport stays refused until enough time has passed to drive it.
 */
export function isPlausibleMove(
  previous: Fix | undefined,
  next: Fix,
  maxSpeedKmh: number,
  slackM: number,
): boolean {
  if (!previous) return true;
  const dtS = Math.max(0, next.t - previous.t) / 1000;
  return distanceM(previous, next) <= slackM + (maxSpeedKmh / 3.6) * dtS;
}

/** The same rule for writes that answer an error (REST): throws IMPLAUSIBLE_MOVE. */
export function moveMustBePlausible(
  previous: Fix | undefined,
  next: Fix,
  maxSpeedKmh: number,
  slackM: number,
): void {
  if (!isPlausibleMove(previous, next, maxSpeedKmh, slackM)) throw new ImplausibleMove();
}

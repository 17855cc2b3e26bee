import { InvalidPoints } from '../rewards.errors.js';

/** Ledger movements are whole, positive amounts (the sign comes from the kind of movement). */
export function pointsMustBePositiveInteger(points: unknown): number {
  if (typeof points !== 'number' || !Number.isSafeInteger(points) || points <= 0) throw new InvalidPoints();
  return points;
}

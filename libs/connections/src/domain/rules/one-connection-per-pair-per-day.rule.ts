import { AlreadyConnectedToday } from '../connections.errors.js';

/** How long a pair must wait before connecting again. */
export const PAIR_COOLDOWN_MS = 24 * 60 * 60 * 1000;

/** One connection per officer-citizen pair per 24 h (`last` is the pair's latest connection time, if any). */
export function oneConnectionPerPairPerDay(last: Date | null, now: Date): void {
  if (last && now.getTime() - last.getTime() < PAIR_COOLDOWN_MS) throw new AlreadyConnectedToday();
}

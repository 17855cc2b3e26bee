/** Points arithmetic for earning: base amount per role times the municipal multiplier. */

export interface ActiveScheme {
  id: string;
  multiplier: number;
  validFrom: Date;
  validUntil: Date;
}

/** The scheme that applies at `at`: the most generous one active then (schemes do not stack). */
export function applicableScheme<S extends ActiveScheme>(schemes: S[], at: Date): S | null {
  let best: S | null = null;
  for (const s of schemes) {
    if (at < s.validFrom || at >= s.validUntil) continue;
    if (!best || s.multiplier > best.multiplier) best = s;
  }
  return best;
}

/**
 * Points for one connection: rounded to the nearest whole point (ledger amounts are
 * integers), half up, so a 1.5× bonus on 5 points gives 8.
 */
export function pointsForConnection(base: number, multiplier = 1): number {
  if (!Number.isFinite(multiplier) || multiplier <= 0) throw new Error(`invalid multiplier ${multiplier}`);
  // Multiplier values come from decimal text (1.1, 1.15); the epsilon keeps 10 × 1.15 = 11.5 → 12.
  return Math.max(0, Math.floor(base * multiplier + 0.5 + 1e-9));
}

/** Money value of donated points, in cents (payouts are reported in whole cents). */
export function donationValueUsd(points: number, usdPerPoint: number): number {
  return Math.round(points * usdPerPoint * 100) / 100;
}

/** Why a connection earns no points: the citizen's or the officer's anti-farming cap is reached. */
export type NoPointsReason = 'CITIZEN_DAILY_CAP' | 'OFFICER_HOURLY_CAP';

/** The rolling windows the caps count over. */
export const CITIZEN_CAP_WINDOW_MS = 24 * 60 * 60 * 1000;
export const OFFICER_CAP_WINDOW_MS = 60 * 60 * 1000;

export interface EarningCaps {
  citizenPerDay: number;
  officerPerHour: number;
}

/** Points-earning connections already made by each side within its window. */
export interface EarnedSoFar {
  citizenLastDay: number;
  officerLastHour: number;
}

export type EarningVerdict =
  { earnsPoints: true; noPointsReason: null } | { earnsPoints: false; noPointsReason: NoPointsReason };

/**
 * Anti-farming: a connection earns points (for both sides, or for neither) only while the citizen
 * has fewer than `citizenPerDay` points-earning connections in the last 24 h and the officer fewer
 * than `officerPerHour` in the last hour. Beyond either cap the connection is still made. Both sides
 * lose the points because farming needs both: a ring of fake citizens farms through one officer,
 * one citizen farms through colluding officers.
 */
export function earningVerdict(sofar: EarnedSoFar, caps: EarningCaps): EarningVerdict {
  if (sofar.citizenLastDay >= caps.citizenPerDay)
    return { earnsPoints: false, noPointsReason: 'CITIZEN_DAILY_CAP' };
  if (sofar.officerLastHour >= caps.officerPerHour)
    return { earnsPoints: false, noPointsReason: 'OFFICER_HOURLY_CAP' };
  return { earnsPoints: true, noPointsReason: null };
}

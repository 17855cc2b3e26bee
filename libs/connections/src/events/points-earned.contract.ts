import { IntegrationEvent } from '@heyblue/platform';

/**
 * Consumer-side contract of Rewards' `PointsEarned` v1: only the fields this context reads
 * (subscribing by type keeps Connections independent of the Rewards module).
 */
export interface PointsEarnedContract {
  accountId: string;
  role?: 'citizen' | 'officer';
  points: number;
  reason: string;
  balance: number;
  connectionId?: string;
}

export class PointsEarned extends IntegrationEvent<PointsEarnedContract> {
  static readonly type = 'PointsEarned';
  static readonly version = 1;
}

/** Consumer-side contract of Rewards' `PointsAdjusted` v1 (an admin's credit or claw-back). */
export interface PointsAdjustedContract {
  accountId: string;
  points: number;
  reason: string;
  balance: number;
}

export class PointsAdjusted extends IntegrationEvent<PointsAdjustedContract> {
  static readonly type = 'PointsAdjusted';
  static readonly version = 1;
}

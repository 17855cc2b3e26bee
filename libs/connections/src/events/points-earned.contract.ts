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

import { IntegrationEvent } from '@heyblue/platform';

export interface PointsEarnedPayload {
  accountId: string;
  role: 'citizen' | 'officer';
  points: number;
  reason: 'connection';
  connectionId: string;
  /** Municipal scheme multiplier applied (1 when none). */
  multiplier: number;
  schemeId: string | null;
  zip: string | null;
  /** Balance after this entry and the entry's ledger sequence (consumers keep the newest). */
  balance: number;
  ledgerSeq: string;
  entryId: string;
  earnedAt: string;
}

/** An account earned points (one event per account and connection). */
export class PointsEarned extends IntegrationEvent<PointsEarnedPayload> {
  static readonly type = 'PointsEarned';
  static readonly version = 1;
}

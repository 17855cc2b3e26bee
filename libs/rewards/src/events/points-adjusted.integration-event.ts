import { IntegrationEvent } from '@heyblue/platform';

export interface PointsAdjustedPayload {
  accountId: string;
  adjustmentId: string;
  /** Signed: a credit (> 0) or a claw-back (< 0). */
  points: number;
  /** The admin's reason, shown to the account with `points.awarded`. */
  reason: string;
  /** Balance after this entry and the entry's ledger sequence (consumers keep the newest). */
  balance: number;
  ledgerSeq: string;
  entryId: string;
  adjustedBy: string;
  adjustedAt: string;
}

/** An admin corrected an account's points (credit or claw-back) with a reason. */
export class PointsAdjusted extends IntegrationEvent<PointsAdjustedPayload> {
  static readonly type = 'PointsAdjusted';
  static readonly version = 1;
}

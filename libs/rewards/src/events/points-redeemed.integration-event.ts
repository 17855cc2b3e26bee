import { IntegrationEvent } from '@heyblue/platform';

export interface PointsRedeemedPayload {
  accountId: string;
  points: number;
  offerId: string;
  retailerId: string;
  voucherId: string;
  balance: number;
  ledgerSeq: string;
  entryId: string;
  redeemedAt: string;
}

/** A citizen spent points on an offer; a voucher was issued. */
export class PointsRedeemed extends IntegrationEvent<PointsRedeemedPayload> {
  static readonly type = 'PointsRedeemed';
  static readonly version = 1;
}

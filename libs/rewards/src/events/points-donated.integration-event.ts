import { IntegrationEvent } from '@heyblue/platform';

export interface PointsDonatedPayload {
  accountId: string;
  donationId: string;
  charityId: string;
  points: number;
  balance: number;
  ledgerSeq: string;
  entryId: string;
  donatedAt: string;
}

/** An officer donated points to a charity. */
export class PointsDonated extends IntegrationEvent<PointsDonatedPayload> {
  static readonly type = 'PointsDonated';
  static readonly version = 1;
}

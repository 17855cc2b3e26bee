import { IntegrationEvent } from '@heyblue/platform';

export interface TrophyAwardedPayload {
  accountId: string;
  code: string;
  name: string;
  awardedAt: string;
}

/** An account earned a trophy (each trophy at most once per account). */
export class TrophyAwarded extends IntegrationEvent<TrophyAwardedPayload> {
  static readonly type = 'TrophyAwarded';
  static readonly version = 1;
}

import { IntegrationEvent } from '@heyblue/platform';

/**
 * Consumer-side contract of Connections' `ConnectionEstablished` v1 (the fields Profile
 * reads), subscribed by type string. Keep in step with libs/connections/src/events.
 */
export interface ConnectionEstablishedPayload {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
  zip: string | null;
}

export class ConnectionEstablishedV1 extends IntegrationEvent<ConnectionEstablishedPayload> {
  static readonly type = 'ConnectionEstablished';
  static readonly version = 1;
}

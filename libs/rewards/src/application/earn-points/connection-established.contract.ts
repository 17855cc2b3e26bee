import { IntegrationEvent } from '@heyblue/platform';

/**
 * Consumer-side contract of Connections' `ConnectionEstablished` v1: the fields Rewards
 * reads, subscribed by type string so Rewards does not depend on the Connections module.
 * Keep in step with the producer's event (libs/connections/src/events).
 */
export interface ConnectionEstablishedPayload {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
  zip: string | null;
  cell?: string;
}

export class ConnectionEstablishedV1 extends IntegrationEvent<ConnectionEstablishedPayload> {
  static readonly type = 'ConnectionEstablished';
  static readonly version = 1;
}

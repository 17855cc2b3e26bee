import { IntegrationEvent } from '@heyblue/platform';

export interface ConnectionEstablishedPayload {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
  /** The ZIP the officer's app gave when opening the window, if any (coarse area only). */
  zip: string | null;
  /** Geohash partition cell (≈ 20 × 30 km) of the officer: coarse area, never a position. */
  cell: string;
}

/** An officer accepted a nearby citizen's request: the two are connected. */
export class ConnectionEstablished extends IntegrationEvent<ConnectionEstablishedPayload> {
  static readonly type = 'ConnectionEstablished';
  static readonly version = 1;
}

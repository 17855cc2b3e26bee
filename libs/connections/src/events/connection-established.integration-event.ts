import { IntegrationEvent } from '@heyblue/platform';

export interface ConnectionEstablishedPayload {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
  /**
   * ZIP of the officer's place: the one the app gave when opening the window, else derived
   * offline from the officer's position; null outside the US. Areas only, never coordinates.
   */
  zip: string | null;
  /** County name of the officer's position (e.g. `Cook`); absent on events written before places were derived. */
  county?: string | null;
  /** 5-digit county FIPS code. */
  countyFips?: string | null;
  /** USPS state of the officer's position; null outside the US. */
  state?: string | null;
  /** `app` when the ZIP is the one the app sent, `derived` when computed from the position. */
  zipSource?: 'app' | 'derived' | null;
  /** The app's ZIP belongs to another state than the position. */
  zipMismatch?: boolean;
  /** Geohash partition cell (≈ 20 × 30 km) of the officer: coarse area, never a position. */
  cell: string;
  /**
   * false when an anti-farming cap was reached (CONNECTIONS_CITIZEN_DAILY_EARNING_CAP,
   * CONNECTIONS_OFFICER_HOURLY_EARNING_CAP): the connection stands, but neither side earns points
   * for it. Absent on events written before the caps (they earn).
   */
  earnsPoints?: boolean;
  /** Why it earns nothing: `CITIZEN_DAILY_CAP` or `OFFICER_HOURLY_CAP`; null when it earns. */
  noPointsReason?: 'CITIZEN_DAILY_CAP' | 'OFFICER_HOURLY_CAP' | null;
}

/** An officer accepted a nearby citizen's request: the two are connected. */
export class ConnectionEstablished extends IntegrationEvent<ConnectionEstablishedPayload> {
  static readonly type = 'ConnectionEstablished';
  static readonly version = 1;
}

import { NOTIFICATION_EVENTS } from '@heyblue/notifications';

/** socket.io coordinates clients receive from `POST /connections/availability` and `/presence`. */
export const SOCKET_PATH = '/socket.io';
export const SOCKET_NAMESPACE = '/connections';

/** Socket event names: the client's `location`, and the notifications pushed (typed by Notifications). */
export const SOCKET_EVENTS = {
  location: 'location',
  officersNearby: NOTIFICATION_EVENTS.officersNearby,
  connectionRequested: NOTIFICATION_EVENTS.connectionRequested,
  connectionAccepted: NOTIFICATION_EVENTS.connectionAccepted,
  connectionDeclined: NOTIFICATION_EVENTS.connectionDeclined,
  availabilityExpiring: NOTIFICATION_EVENTS.availabilityExpiring,
  availabilityExpired: NOTIFICATION_EVENTS.availabilityExpired,
  pointsAwarded: NOTIFICATION_EVENTS.pointsAwarded,
  /** To a new (not recovered) socket: its first packet through the adapter, so the client holds an offset to recover from. */
  socketReady: 'socket.ready',
} as const;

/** Server-to-server (socket.io adapter) event: an officer's window changed on some instance. */
export const WINDOW_CHANGED = 'hb:window-changed';

/** Server-to-server event: an officer's window expired (each instance tells and closes its sockets of that officer). */
export const WINDOW_EXPIRED = 'hb:window-expired';

/**
 * The bull queue of "window about to end" notices: one delayed job per window, job id
 * `expiring:<windowId>`, due CONNECTIONS_EXPIRING_NOTICE_S before the window ends.
 */
export const WINDOW_NOTICE_QUEUE = 'connections.window-notices';
export interface WindowNoticeJob {
  officerId: string;
  windowId: string;
}

/** The room every socket of an account joins, so pushes reach it on any instance. */
export const accountRoom = (accountId: string): string => `a:${accountId}`;

/** Minutes an availability window lasts (contract: 1..15, default 15). */
export const WINDOW_MINUTES = { min: 1, max: 15, default: 15 } as const;

/** `GET /connections/nearby` radius in metres (contract: 50..5000, default 1000). */
export const NEARBY_RADIUS = { min: 50, max: 5000, default: 1000 } as const;

/**
 * Per-account and per-IP limits of the location routes (`RATE_LIMITS=name=points/seconds`
 * overrides them). The defaults are far above what the app does (a fix every few seconds, one
 * socket per phone) and far below what tiling a city or a socket flood needs.
 */
export const LIMITS = {
  nearby: { name: 'connections-nearby', points: 60, durationS: 60, by: 'account' },
  presence: { name: 'connections-presence', points: 60, durationS: 60, by: 'account' },
  availability: { name: 'connections-availability', points: 30, durationS: 60, by: 'account' },
  /** `nearby` answers carried by socket acks, across all of an account's sockets. */
  nearbyAcks: { name: 'connections-nearby-acks', points: 120, durationS: 60, by: 'account' },
  /** Socket handshakes per client IP. */
  handshake: { name: 'connections-handshake', points: 60, durationS: 60, by: 'ip' },
} as const;

/**
 * The names of everything the server tells an account, over its socket and (per the push rules)
 * to its phone. docs/asyncapi.yaml documents each under the same name (a contract test checks).
 */
export const NOTIFICATION_EVENTS = {
  officersNearby: 'officers.nearby',
  connectionRequested: 'connection.requested',
  connectionAccepted: 'connection.accepted',
  connectionDeclined: 'connection.declined',
  availabilityExpiring: 'availability.expiring',
  availabilityExpired: 'availability.expired',
  pointsAwarded: 'points.awarded',
  trophyAwarded: 'trophy.awarded',
} as const;

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[keyof typeof NOTIFICATION_EVENTS];

/** The provider says the token is no good (FCM UNREGISTERED, APNs 410 / BadDeviceToken): the device goes. */
export class InvalidTokenError extends Error {}

/** Worth retrying: 429, 5xx, network trouble, an expired provider token. */
export class TransientPushError extends Error {}

/** Refused for good (a malformed request, the platform not configured): retrying will not help. */
export class PermanentPushError extends Error {}

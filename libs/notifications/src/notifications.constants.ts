/** Event handler ids of the notifications context (`<context>.<handler>`: the dedupe key and queue). */
export const NOTIFICATIONS_HANDLERS = {
  removeDevicesOfSuspended: 'notifications.remove-devices-of-suspended',
  fanOutPush: 'notifications.fan-out-push',
} as const;

/** The bull queue of sends: one job per (event, device), job id `<eventId>:<deviceId>`. */
export const PUSH_QUEUE = 'notifications.pushes';
/** Dead letters of pushes carry this source; the notifications context replays them. */
export const PUSH_DEAD_LETTER_SOURCE = 'push';
export interface PushJob {
  eventId: string;
  deviceId: string;
}

/** Per-account limits of the device routes (`RATE_LIMITS=name=points/seconds` overrides them). */
export const DEVICE_LIMITS = {
  write: { name: 'notifications-devices-write', points: 30, durationS: 60, by: 'account' },
  read: { name: 'notifications-devices-read', points: 60, durationS: 60, by: 'account' },
} as const;

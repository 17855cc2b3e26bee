/** Event handler ids of the notifications context (`<context>.<handler>`: the dedupe key and queue). */
export const NOTIFICATIONS_HANDLERS = {
  removeDevicesOfSuspended: 'notifications.remove-devices-of-suspended',
} as const;

/** Per-account limits of the device routes (`RATE_LIMITS=name=points/seconds` overrides them). */
export const DEVICE_LIMITS = {
  write: { name: 'notifications-devices-write', points: 30, durationS: 60, by: 'account' },
  read: { name: 'notifications-devices-read', points: 60, durationS: 60, by: 'account' },
} as const;

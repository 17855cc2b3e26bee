/** Push providers a device can be reached through. */
export const PUSH_PLATFORMS = ['fcm', 'apns'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

/** A phone registered for pushes by one session of an account. */
export interface Device {
  id: string;
  accountId: string;
  sessionId: string;
  platform: PushPlatform;
  token: string;
  createdAt: Date;
}

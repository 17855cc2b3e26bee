import { InvalidDeviceToken } from '../notifications.errors.js';
import type { PushPlatform } from '../device.js';

/*
 * APNs device tokens are 32 bytes today, sent as 64 hex digits; Apple warns the length may grow,
 * so up to 200 hex digits pass. FCM registration tokens are opaque (about 150-200 characters
 * of URL-safe base64 with ':' and '-'); 4,096 bounds what a caller can make us store.
 */
const APNS_TOKEN = /^[0-9a-f]{64,200}$/i;
const FCM_TOKEN = /^[\w:.-]{32,4096}$/;

/** A token is kept only when it has the shape its platform gives tokens. */
export function tokenMustSuitPlatform(platform: PushPlatform, token: string): void {
  if (platform === 'apns' && !APNS_TOKEN.test(token))
    throw new InvalidDeviceToken('an APNs device token is 64 to 200 hexadecimal digits');
  if (platform === 'fcm' && !FCM_TOKEN.test(token))
    throw new InvalidDeviceToken(
      'an FCM registration token is 32 to 4096 characters of letters, digits, "_", ":", "." and "-"',
    );
}

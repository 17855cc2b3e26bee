import { tokenMustSuitPlatform } from './token-must-suit-platform.rule.js';

const fcm = `fGx1:APA91b${'A'.repeat(140)}-_x`;
const apns = 'a1'.repeat(32);

describe('a device token must suit its platform', () => {
  it('accepts an APNs token of 64 hex digits and an FCM registration token', () => {
    expect(() => tokenMustSuitPlatform('apns', apns)).not.toThrow();
    expect(() => tokenMustSuitPlatform('apns', apns.toUpperCase())).not.toThrow();
    expect(() => tokenMustSuitPlatform('fcm', fcm)).not.toThrow();
  });

  it('refuses an FCM token given as APNs, and a short hex token', () => {
    expect(() => tokenMustSuitPlatform('apns', fcm)).toThrow(
      expect.objectContaining({ code: 'INVALID_DEVICE_TOKEN', status: 400 }),
    );
    expect(() => tokenMustSuitPlatform('apns', 'ab'.repeat(10))).toThrow(
      expect.objectContaining({ code: 'INVALID_DEVICE_TOKEN' }),
    );
  });

  it('refuses an FCM token with spaces, markup or past 4096 characters', () => {
    for (const bad of ['short', `${fcm} x`, `<script>${fcm}`, 'a'.repeat(4097)])
      expect(() => tokenMustSuitPlatform('fcm', bad)).toThrow(
        expect.objectContaining({
          code: 'INVALID_DEVICE_TOKEN',
          extra: { errors: [expect.objectContaining({ field: 'token' })] },
        }),
      );
  });
});

import type { PushPlatform } from '../../domain/device.js';
import type { PushMessage } from '../../domain/push-rules.js';

/** One provider able to deliver a push to a device token. Throws the errors of push-errors.ts. */
export interface PushSender {
  readonly platform: PushPlatform;
  send(token: string, message: PushMessage, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

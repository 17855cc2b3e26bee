import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '@heyblue/platform';
import { NotificationsSettings } from '../application/ports.js';

@Injectable()
export class EnvNotificationsSettings extends NotificationsSettings {
  readonly maxDevicesPerAccount: number;
  readonly nearbyPushEveryMs: number;

  constructor(config: ConfigService<Env, true>) {
    super();
    this.maxDevicesPerAccount = config.get('NOTIFICATIONS_MAX_DEVICES_PER_ACCOUNT', { infer: true });
    this.nearbyPushEveryMs = config.get('NOTIFICATIONS_NEARBY_PUSH_EVERY_S', { infer: true }) * 1000;
  }
}

import { Injectable } from '@nestjs/common';
import type { PushPlatform } from '../../domain/device.js';
import { DeviceStore } from '../ports.js';
import type { DeviceOwner } from '../register-device/register-device.handler.js';

export interface DeviceView {
  id: string;
  platform: PushPlatform;
  createdAt: string;
  /** Registered by the calling session. */
  current: boolean;
}

/** My devices, newest first; tokens are not echoed (they address the phone). */
@Injectable()
export class ListDevicesQuery {
  constructor(private readonly devices: DeviceStore) {}

  async execute(owner: DeviceOwner): Promise<DeviceView[]> {
    const rows = await this.devices.listByAccount(owner.id);
    return rows.map((d) => ({
      id: d.id,
      platform: d.platform,
      createdAt: d.createdAt.toISOString(),
      current: d.sessionId === owner.sessionId,
    }));
  }
}

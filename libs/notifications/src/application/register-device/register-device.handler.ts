import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuditAuthor } from '@heyblue/iam';
import type { PushPlatform } from '../../domain/device.js';
import { tokenMustSuitPlatform } from '../../domain/rules/token-must-suit-platform.rule.js';
import { AuditLog, DeviceStore, NotificationsSettings, UnitOfWork } from '../ports.js';

export interface RegisterDevice {
  platform: PushPlatform;
  token: string;
}

/** The caller: the device belongs to this session of this account. */
export interface DeviceOwner {
  id: string;
  sessionId: string;
}

/**
 * Registers a phone's push token for the calling session. Registering the same token again is
 * safe (same id); a token another account registered moves to the caller (a phone changes
 * hands, or an account signs in on it); past the per-account bound the oldest devices go.
 */
@Injectable()
export class RegisterDeviceHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly devices: DeviceStore,
    private readonly audit: AuditLog,
    private readonly settings: NotificationsSettings,
  ) {}

  async execute(owner: DeviceOwner, cmd: RegisterDevice, actor: AuditAuthor | null): Promise<{ id: string }> {
    tokenMustSuitPlatform(cmd.platform, cmd.token);
    return this.uow.run(async (tx) => {
      const { id, previousAccountId, previousSessionId } = await this.devices.upsert(tx, {
        newId: randomUUID(),
        accountId: owner.id,
        sessionId: owner.sessionId,
        platform: cmd.platform,
        token: cmd.token,
      });
      const evicted = await this.devices.trim(tx, owner.id, this.settings.maxDevicesPerAccount);
      if (previousAccountId === owner.id && previousSessionId === owner.sessionId && evicted.length === 0) {
        this.audit.unchanged();
      } else {
        await this.audit.record(tx, {
          actor,
          action: 'device_registered',
          targetId: id,
          detail: {
            platform: cmd.platform,
            ...(previousAccountId && previousAccountId !== owner.id
              ? { movedFromAccount: previousAccountId }
              : {}),
            ...(evicted.length > 0 ? { evicted } : {}),
          },
        });
      }
      return { id };
    });
  }
}

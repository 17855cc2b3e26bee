import { Injectable } from '@nestjs/common';
import type { AuditAuthor } from '@heyblue/iam';
import { DeviceNotFound } from '../../domain/notifications.errors.js';
import { AuditLog, DeviceStore, UnitOfWork } from '../ports.js';

/** Removes one of my devices; another account's answers 404 like an unknown one. */
@Injectable()
export class RemoveDeviceHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly devices: DeviceStore,
    private readonly audit: AuditLog,
  ) {}

  async execute(ownerId: string, deviceId: string, actor: AuditAuthor | null): Promise<void> {
    await this.uow.run(async (tx) => {
      if (!(await this.devices.removeOwned(tx, deviceId, ownerId))) throw new DeviceNotFound();
      await this.audit.record(tx, { actor, action: 'device_removed', targetId: deviceId });
    });
  }
}

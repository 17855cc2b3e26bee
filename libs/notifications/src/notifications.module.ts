import { Module } from '@nestjs/common';
import { DevPushController } from './api/dev-push.controller.js';
import { DevicesController } from './api/devices.controller.js';
import { ListDevicesQuery } from './application/list-devices/list-devices.query.js';
import { Notifier } from './application/notify/notifier.js';
import {
  AuditLog,
  CommitHooks,
  DeviceDirectory,
  DeviceStore,
  NotificationsSettings,
  PushOutbox,
  PushThrottle,
  UnitOfWork,
} from './application/ports.js';
import { RegisterDeviceHandler } from './application/register-device/register-device.handler.js';
import { RemoveDeviceHandler } from './application/remove-device/remove-device.handler.js';
import { IamAuditLog } from './infrastructure/iam-audit-log.js';
import { EnvNotificationsSettings } from './infrastructure/notifications-settings.js';
import { PrismaDeviceStore, PrismaUnitOfWork } from './infrastructure/prisma-device.store.js';
import { PushOutboxStore } from './infrastructure/providers/outbox.sender.js';
import { PushSenders } from './infrastructure/providers/push-senders.js';
import {
  EventConsumerCommitHooks,
  OutboxPushOutbox,
  PrismaDeviceDirectory,
  RedisPushThrottle,
} from './infrastructure/push-plumbing.js';
import { PushProcessor } from './infrastructure/push.processor.js';
import { RemoveDevicesWhenAccessEnds } from './infrastructure/remove-devices-when-access-ends.js';

/** Push devices, the one port every context notifies an account through, and the push pipeline. */
@Module({
  controllers: [DevicesController, DevPushController],
  providers: [
    { provide: UnitOfWork, useClass: PrismaUnitOfWork },
    { provide: DeviceStore, useClass: PrismaDeviceStore },
    { provide: AuditLog, useClass: IamAuditLog },
    { provide: NotificationsSettings, useClass: EnvNotificationsSettings },
    { provide: PushOutbox, useClass: OutboxPushOutbox },
    { provide: CommitHooks, useClass: EventConsumerCommitHooks },
    { provide: PushThrottle, useClass: RedisPushThrottle },
    { provide: DeviceDirectory, useClass: PrismaDeviceDirectory },
    RegisterDeviceHandler,
    RemoveDeviceHandler,
    ListDevicesQuery,
    RemoveDevicesWhenAccessEnds,
    Notifier,
    PushOutboxStore,
    PushSenders,
    PushProcessor,
  ],
  exports: [Notifier],
})
export class NotificationsModule {}

import { Module } from '@nestjs/common';
import { DevicesController } from './api/devices.controller.js';
import { ListDevicesQuery } from './application/list-devices/list-devices.query.js';
import { AuditLog, DeviceStore, NotificationsSettings, UnitOfWork } from './application/ports.js';
import { RegisterDeviceHandler } from './application/register-device/register-device.handler.js';
import { RemoveDeviceHandler } from './application/remove-device/remove-device.handler.js';
import { IamAuditLog } from './infrastructure/iam-audit-log.js';
import { EnvNotificationsSettings } from './infrastructure/notifications-settings.js';
import { PrismaDeviceStore, PrismaUnitOfWork } from './infrastructure/prisma-device.store.js';
import { RemoveDevicesWhenAccessEnds } from './infrastructure/remove-devices-when-access-ends.js';

/** Push devices of accounts (and, from issue 21 on, the one port every context notifies an account through). */
@Module({
  controllers: [DevicesController],
  providers: [
    { provide: UnitOfWork, useClass: PrismaUnitOfWork },
    { provide: DeviceStore, useClass: PrismaDeviceStore },
    { provide: AuditLog, useClass: IamAuditLog },
    { provide: NotificationsSettings, useClass: EnvNotificationsSettings },
    RegisterDeviceHandler,
    RemoveDeviceHandler,
    ListDevicesQuery,
    RemoveDevicesWhenAccessEnds,
  ],
})
export class NotificationsModule {}

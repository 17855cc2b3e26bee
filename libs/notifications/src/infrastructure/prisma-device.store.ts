import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '@heyblue/platform';
import type { Device, PushPlatform } from '../domain/device.js';
import { DeviceStore, UnitOfWork, type DeviceRegistration } from '../application/ports.js';

@Injectable()
export class PrismaUnitOfWork extends UnitOfWork {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((tx) => work(tx), { timeout: 15_000, maxWait: 10_000 });
  }
}

@Injectable()
export class PrismaDeviceStore extends DeviceStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async upsert(
    tx: Tx,
    r: DeviceRegistration,
  ): Promise<{ id: string; previousAccountId: string | null; previousSessionId: string | null }> {
    // The row lock first, so two registrations of one token queue up instead of racing the unique index.
    const prev = await tx.$queryRaw<Array<{ id: string; account_id: string; session_id: string }>>`
      SELECT id::text, account_id::text, session_id::text FROM notifications_device
      WHERE platform = ${r.platform} AND token = ${r.token} FOR UPDATE`;
    const before = prev[0];
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      INSERT INTO notifications_device (id, account_id, session_id, platform, token)
      VALUES (${r.newId}::uuid, ${r.accountId}::uuid, ${r.sessionId}::uuid, ${r.platform}, ${r.token})
      ON CONFLICT (platform, token) DO UPDATE SET
        id = CASE WHEN notifications_device.account_id = EXCLUDED.account_id
                  THEN notifications_device.id ELSE EXCLUDED.id END,
        created_at = CASE WHEN notifications_device.account_id = EXCLUDED.account_id
                  THEN notifications_device.created_at ELSE now() END,
        account_id = EXCLUDED.account_id,
        session_id = EXCLUDED.session_id,
        updated_at = now()
      RETURNING id::text`;
    return {
      id: rows[0]!.id,
      previousAccountId: before?.account_id ?? null,
      previousSessionId: before?.session_id ?? null,
    };
  }

  async trim(tx: Tx, accountId: string, keep: number): Promise<string[]> {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      DELETE FROM notifications_device WHERE id IN (
        SELECT id FROM notifications_device WHERE account_id = ${accountId}::uuid
        ORDER BY updated_at DESC, id DESC OFFSET ${keep}
      ) RETURNING id::text`;
    return rows.map((r) => r.id);
  }

  async removeOwned(tx: Tx, id: string, accountId: string): Promise<boolean> {
    const { count } = await tx.notificationsDevice.deleteMany({ where: { id, accountId } });
    return count > 0;
  }

  async listByAccount(accountId: string): Promise<Device[]> {
    const rows = await this.prisma.notificationsDevice.findMany({
      where: { accountId },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
    });
    return rows.map((d) => ({ ...d, platform: d.platform as PushPlatform }));
  }

  async removeBySession(sessionId: string): Promise<number> {
    return (await this.prisma.notificationsDevice.deleteMany({ where: { sessionId } })).count;
  }

  async removeByAccount(accountId: string): Promise<number> {
    return (await this.prisma.notificationsDevice.deleteMany({ where: { accountId } })).count;
  }
}

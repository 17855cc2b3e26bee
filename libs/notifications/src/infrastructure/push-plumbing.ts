import { Injectable } from '@nestjs/common';
import { EventConsumers, OutboxService, PrismaService, RedisService, type Tx } from '@heyblue/platform';
import {
  CommitHooks,
  DeviceDirectory,
  PushOutbox,
  PushThrottle,
  type PushDueInput,
} from '../application/ports.js';
import { PushDue } from '../events/push-due.integration-event.js';

@Injectable()
export class OutboxPushOutbox extends PushOutbox {
  constructor(private readonly outbox: OutboxService) {
    super();
  }

  publish(tx: Tx, due: PushDueInput): Promise<void> {
    return this.outbox.publish(tx, new PushDue(due));
  }

  kick(): void {
    this.outbox.kick();
  }
}

@Injectable()
export class EventConsumerCommitHooks extends CommitHooks {
  constructor(private readonly consumers: EventConsumers) {
    super();
  }

  after(tx: Tx, fn: () => void): void {
    this.consumers.afterCommit(tx, fn);
  }
}

@Injectable()
export class RedisPushThrottle extends PushThrottle {
  constructor(private readonly redis: RedisService) {
    super();
  }

  async firstIn(accountId: string, key: string, periodMs: number): Promise<boolean> {
    const claimed = await this.redis.client.set(
      this.redis.key('notif', 'throttle', key, accountId),
      '1',
      'PX',
      periodMs,
      'NX',
    );
    return claimed === 'OK';
  }
}

@Injectable()
export class PrismaDeviceDirectory extends DeviceDirectory {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async hasAny(accountId: string, tx?: Tx): Promise<boolean> {
    const found = await (tx ?? this.prisma).notificationsDevice.findFirst({
      where: { accountId },
      select: { id: true },
    });
    return found !== null;
  }
}

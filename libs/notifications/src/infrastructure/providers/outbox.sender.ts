import { Injectable } from '@nestjs/common';
import { RedisService } from '@heyblue/platform';
import type { PushPlatform } from '../../domain/device.js';
import type { PushMessage } from '../../domain/push-rules.js';

export interface KeptPush {
  platform: PushPlatform;
  token: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, string>;
  sentAt: string;
}

/** Development mode: pushes are kept in Redis (readable at GET /dev/push) instead of being sent. */
@Injectable()
export class PushOutboxStore {
  constructor(private readonly redis: RedisService) {}

  async keep(platform: PushPlatform, token: string, message: PushMessage): Promise<void> {
    const kept: KeptPush = { platform, token, ...message, sentAt: new Date().toISOString() };
    const box = this.boxKey(token);
    await this.redis.client
      .multi()
      .lpush(box, JSON.stringify(kept))
      .ltrim(box, 0, 49)
      .expire(box, 86_400)
      .exec();
  }

  /** Newest first. */
  async read(token: string): Promise<KeptPush[]> {
    return (await this.redis.client.lrange(this.boxKey(token), 0, -1)).map((s) => JSON.parse(s) as KeptPush);
  }

  private boxKey(token: string): string {
    return this.redis.key('notif', 'dev-push', `{${token}}`);
  }
}

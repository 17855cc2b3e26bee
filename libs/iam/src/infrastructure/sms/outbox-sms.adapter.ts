import { Injectable } from '@nestjs/common';
import { RedisService } from '@heyblue/platform';
import { randomInt } from 'node:crypto';
import { safeEqual } from '../tokens.js';
import { SmsVerification } from './sms-verification.port.js';

export interface OutboxSms {
  to: string;
  body: string;
  code: string;
  sentAt: string;
}

/** Development mode: texts are kept in Redis (readable at GET /dev/sms) instead of being sent. */
@Injectable()
export class OutboxSmsAdapter extends SmsVerification {
  constructor(private readonly redis: RedisService) {
    super();
  }

  async start(phone: string): Promise<void> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const sms: OutboxSms = {
      to: phone,
      body: `Your Hey Blue! verification code is ${code}`,
      code,
      sentAt: new Date().toISOString(),
    };
    const box = this.boxKey(phone);
    await this.redis.client
      .multi()
      .set(this.codeKey(phone), code, 'EX', 600)
      .lpush(box, JSON.stringify(sms))
      .ltrim(box, 0, 49)
      .expire(box, 86_400)
      .exec();
  }

  async check(phone: string, code: string): Promise<boolean> {
    const expected = await this.redis.client.get(this.codeKey(phone));
    if (!expected || !safeEqual(expected, code)) return false;
    await this.redis.client.del(this.codeKey(phone));
    return true;
  }

  /** Newest first. */
  async read(phone: string): Promise<OutboxSms[]> {
    const items = await this.redis.client.lrange(this.boxKey(phone), 0, -1);
    return items.map((s) => JSON.parse(s) as OutboxSms);
  }

  // The phone is the hash tag: the code and the box are written in one MULTI, one slot on a Redis Cluster.
  private boxKey(phone: string): string {
    return this.redis.key('iam', 'dev-sms', `{${phone}}`);
  }

  private codeKey(phone: string): string {
    return this.redis.key('iam', 'dev-otp', `{${phone}}`);
  }
}

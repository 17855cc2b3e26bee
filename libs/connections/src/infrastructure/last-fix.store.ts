import { Injectable } from '@nestjs/common';
import { RedisService } from '@heyblue/platform';
import type { Fix } from '../domain/rules/move-must-be-plausible.rule.js';

/**
 * Every account's last accepted fix, kept for hours: the GEO index forgets a member a minute
 * after it goes stale, and without this a client could wait three minutes and then "appear"
 * anywhere (next to an officer). One key per account (no multi-key command: Cluster safe).
 */
const KEEP_MS = 6 * 60 * 60_000;

@Injectable()
export class LastFixStore {
  constructor(private readonly redis: RedisService) {}

  private key(accountId: string): string {
    return this.redis.key('conn', 'fix', `{${accountId}}`);
  }

  async get(accountId: string): Promise<Fix | undefined> {
    const v = await this.redis.client.get(this.key(accountId));
    if (!v) return undefined;
    const [lat, lng, t] = v.split(',').map(Number);
    return Number.isFinite(lat) && Number.isFinite(lng) && Number.isFinite(t)
      ? { lat: lat!, lng: lng!, t: t! }
      : undefined;
  }

  async put(accountId: string, fix: Fix): Promise<void> {
    await this.redis.client.set(this.key(accountId), `${fix.lat},${fix.lng},${fix.t}`, 'PX', KEEP_MS);
  }
}

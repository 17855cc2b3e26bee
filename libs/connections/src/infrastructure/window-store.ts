import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisService } from '@heyblue/platform';

/** An officer's open availability window, as stored in Redis. */
export interface StoredWindow {
  windowId: string;
  officerId: string;
  expiresAt: number;
  zip: string | null;
}

/**
 * Availability windows in Redis: one hash per officer plus one expiry ZSET scored by
 * expiry time. Both live under the `{windows}` hash tag so open, close and the expiry claim
 * are atomic scripts. Expiry does not depend on the instance that opened the window: every
 * instance's sweeper claims due windows from the ZSET (ZREM decides who wins), so a window
 * expires even after its instance died.
 */
const OPEN_LUA = `
redis.call('HSET', KEYS[1], 'windowId', ARGV[1], 'expiresAt', ARGV[2], 'zip', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[2]) + 86400000)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
return 1
`;

/** Returns the closed window id, or false when none was open. */
const CLOSE_LUA = `
local id = redis.call('HGET', KEYS[1], 'windowId')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return id
`;

/** Claims up to ARGV[2] windows due at ARGV[1]; returns {officerId, windowId, ...}. KEYS[1]: expiry ZSET; ARGV[3]: hash key prefix. */
const CLAIM_LUA = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #due do
  local officer = due[i]
  if redis.call('ZREM', KEYS[1], officer) == 1 then
    local key = ARGV[3] .. officer
    local id = redis.call('HGET', key, 'windowId')
    redis.call('DEL', key)
    out[#out + 1] = officer
    out[#out + 1] = id or ''
  end
end
return out
`;

interface WindowRedis extends Redis {
  connWindowOpen(
    hash: string,
    expiry: string,
    windowId: string,
    expiresAt: number,
    zip: string,
    officerId: string,
  ): Promise<number>;
  connWindowClose(hash: string, expiry: string, officerId: string): Promise<string | null>;
  connWindowClaim(expiry: string, now: number, batch: number, hashPrefix: string): Promise<string[]>;
}

@Injectable()
export class WindowStore {
  private readonly redis: WindowRedis;

  constructor(private readonly redisService: RedisService) {
    const r = redisService.client;
    // defineCommand is idempotent per name on a client; the shared client may already have it.
    if (!('connWindowOpen' in r)) {
      r.defineCommand('connWindowOpen', { numberOfKeys: 2, lua: OPEN_LUA });
      r.defineCommand('connWindowClose', { numberOfKeys: 2, lua: CLOSE_LUA });
      r.defineCommand('connWindowClaim', { numberOfKeys: 1, lua: CLAIM_LUA });
    }
    this.redis = r as WindowRedis;
  }

  private hashPrefix(): string {
    return this.redisService.key('conn', '{windows}', 'w', '');
  }

  private hashKey(officerId: string): string {
    return this.hashPrefix() + officerId;
  }

  private expiryKey(): string {
    return this.redisService.key('conn', '{windows}', 'expiry');
  }

  async open(w: StoredWindow): Promise<void> {
    await this.redis.connWindowOpen(
      this.hashKey(w.officerId),
      this.expiryKey(),
      w.windowId,
      w.expiresAt,
      w.zip ?? '',
      w.officerId,
    );
  }

  /** The officer's open window, or null (an expired but not yet swept window counts as closed). */
  async get(officerId: string, now = Date.now()): Promise<StoredWindow | null> {
    const h = await this.redis.hgetall(this.hashKey(officerId));
    if (!h.windowId) return null;
    const expiresAt = Number(h.expiresAt);
    if (expiresAt <= now) return null;
    return { windowId: h.windowId, officerId, expiresAt, zip: h.zip || null };
  }

  /** Which of these officers have a window open at `now` (one read of the expiry ZSET). */
  async openAmong(officerIds: string[], now = Date.now()): Promise<Set<string>> {
    if (officerIds.length === 0) return new Set();
    const expiries = await this.redis.zmscore(this.expiryKey(), ...officerIds);
    return new Set(officerIds.filter((_, i) => expiries[i] != null && Number(expiries[i]) > now));
  }

  /** Closes the window; returns its id, or null when none was open. */
  async close(officerId: string): Promise<string | null> {
    return (await this.redis.connWindowClose(this.hashKey(officerId), this.expiryKey(), officerId)) || null;
  }

  /** Atomically takes the windows due by `now`: each is handed to exactly one caller. */
  async claimExpired(now = Date.now(), batch = 100): Promise<Array<{ officerId: string; windowId: string }>> {
    const flat = await this.redis.connWindowClaim(this.expiryKey(), now, batch, this.hashPrefix());
    const out: Array<{ officerId: string; windowId: string }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ officerId: flat[i]!, windowId: flat[i + 1]! });
    return out;
  }
}

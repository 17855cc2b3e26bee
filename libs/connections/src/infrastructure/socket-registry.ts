import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisService } from '@heyblue/platform';

/**
 * Claims a place for a socket unless the account already holds `cap` live ones.
 * KEYS: the account's socket set (ZSET socketId → lease end, ms). ARGV: now, leaseEnd, socketId, cap.
 * Expired leases (sockets of an instance that died) are dropped first. Returns 1 when claimed.
 */
const CLAIM_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

interface RegistryRedis extends Redis {
  connSocketClaim(key: string, now: number, leaseEnd: number, socketId: string, cap: number): Promise<number>;
}

/** How long a claim lives without renewal: instances renew their sockets' claims well before. */
export const SOCKET_LEASE_MS = 5 * 60_000;

/**
 * The sockets each account holds open, across instances: one ZSET per account (its own hash
 * tag, one slot), leases renewed by the instance holding the socket, so a dead instance's
 * sockets stop counting after a lease.
 */
@Injectable()
export class SocketRegistry {
  private readonly redis: RegistryRedis;

  constructor(private readonly redisService: RedisService) {
    const r = redisService.client;
    if (!('connSocketClaim' in r)) r.defineCommand('connSocketClaim', { numberOfKeys: 1, lua: CLAIM_LUA });
    this.redis = r as RegistryRedis;
  }

  private key(accountId: string): string {
    return this.redisService.key('conn', 'sockets', `{${accountId}}`);
  }

  /** True when the socket may stay (fewer than `cap` others are open); claiming again renews. */
  async claim(accountId: string, socketId: string, cap: number, now = Date.now()): Promise<boolean> {
    return (
      (await this.redis.connSocketClaim(this.key(accountId), now, now + SOCKET_LEASE_MS, socketId, cap)) === 1
    );
  }

  /** Whether the account holds a socket with a lease still running, on any instance. */
  async hasLive(accountId: string, now = Date.now()): Promise<boolean> {
    return (await this.redis.zcount(this.key(accountId), now, '+inf')) > 0;
  }

  async release(accountId: string, socketId: string): Promise<void> {
    await this.redis.zrem(this.key(accountId), socketId);
  }

  /** Renews the leases of live sockets (one pipeline). */
  async renew(sockets: Array<{ accountId: string; socketId: string }>, now = Date.now()): Promise<void> {
    if (sockets.length === 0) return;
    const p = this.redis.pipeline();
    for (const s of sockets) {
      p.zadd(this.key(s.accountId), 'XX', now + SOCKET_LEASE_MS, s.socketId);
      p.pexpireat(this.key(s.accountId), now + SOCKET_LEASE_MS);
    }
    await p.exec();
  }
}

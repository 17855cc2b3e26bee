import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisService } from '@heyblue/platform';

export type RequestStatus = 'pending' | 'accepting' | 'accepted' | 'declined' | 'expired';

/** A connection request, kept in Redis only for its short life. */
export interface StoredRequest {
  id: string;
  citizenId: string;
  officerId: string;
  distanceM: number;
  status: RequestStatus;
  createdAt: number;
  expiresAt: number;
}

/**
 * Moves a request from one status to another only if it is in the expected one and not
 * expired; answers 'ok', the current status, 'expired' or 'missing'.
 * KEYS[1]: request hash. ARGV: from, to, now.
 */
const TRANSITION_LUA = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= ARGV[1] then return status end
if ARGV[1] == 'pending' and tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[3]) then return 'expired' end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
return 'ok'
`;

interface RequestRedis extends Redis {
  connRequestTransition(key: string, from: RequestStatus, to: RequestStatus, now: number): Promise<string>;
}

/** Requests are kept a while past expiry so a late accept answers "expired" rather than "unknown". */
const KEEP_AFTER_EXPIRY_MS = 10 * 60_000;

@Injectable()
export class RequestStore {
  private readonly redis: RequestRedis;

  constructor(private readonly redisService: RedisService) {
    const r = redisService.client;
    if (!('connRequestTransition' in r))
      r.defineCommand('connRequestTransition', { numberOfKeys: 1, lua: TRANSITION_LUA });
    this.redis = r as RequestRedis;
  }

  private key(id: string): string {
    return this.redisService.key('conn', 'req', `{${id}}`);
  }

  /** Requests an account is party to (ZSET requestId → createdAt), for the pending list. */
  private byAccountKey(accountId: string): string {
    return this.redisService.key('conn', 'req-by', `{${accountId}}`);
  }

  private pairKey(citizenId: string, officerId: string): string {
    return this.redisService.key('conn', 'req-pair', citizenId, officerId);
  }

  /** Stores a new request unless the citizen already has a pending one for this officer; false then. */
  async create(r: StoredRequest): Promise<boolean> {
    const ttl = r.expiresAt - r.createdAt;
    const claimed = await this.redis.set(this.pairKey(r.citizenId, r.officerId), r.id, 'PX', ttl, 'NX');
    if (claimed !== 'OK') return false;
    await this.redis
      .multi()
      .hset(this.key(r.id), {
        ...r,
        distanceM: String(r.distanceM),
        createdAt: String(r.createdAt),
        expiresAt: String(r.expiresAt),
      })
      .pexpire(this.key(r.id), ttl + KEEP_AFTER_EXPIRY_MS)
      .exec();
    // One key per party (its own slot): listed to the officer and the citizen only.
    await Promise.all(
      [r.officerId, r.citizenId].map((party) =>
        this.redis
          .multi()
          .zadd(this.byAccountKey(party), r.createdAt, r.id)
          .zremrangebyscore(this.byAccountKey(party), '-inf', r.createdAt - ttl - KEEP_AFTER_EXPIRY_MS)
          .pexpire(this.byAccountKey(party), ttl + KEEP_AFTER_EXPIRY_MS)
          .exec(),
      ),
    );
    return true;
  }

  /** Pending, unexpired requests the account is party to, newest first (at most the ones of the last `ttlMs`). */
  async pendingFor(accountId: string, ttlMs: number, now = Date.now()): Promise<StoredRequest[]> {
    const ids = await this.redis.zrevrangebyscore(this.byAccountKey(accountId), '+inf', now - ttlMs);
    const found = await Promise.all(ids.map((id) => this.get(id, now)));
    return found.filter(
      (r): r is StoredRequest =>
        r !== null && r.status === 'pending' && (r.officerId === accountId || r.citizenId === accountId),
    );
  }

  async get(id: string, now = Date.now()): Promise<StoredRequest | null> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.id) return null;
    const r: StoredRequest = {
      id: h.id,
      citizenId: h.citizenId!,
      officerId: h.officerId!,
      distanceM: Number(h.distanceM),
      status: h.status as RequestStatus,
      createdAt: Number(h.createdAt),
      expiresAt: Number(h.expiresAt),
    };
    if (r.status === 'pending' && r.expiresAt <= now) r.status = 'expired';
    return r;
  }

  /** Compare-and-set of the status; see TRANSITION_LUA. */
  async transition(
    id: string,
    from: RequestStatus,
    to: RequestStatus,
    now = Date.now(),
  ): Promise<'ok' | RequestStatus | 'missing'> {
    return (await this.redis.connRequestTransition(this.key(id), from, to, now)) as
      'ok' | RequestStatus | 'missing';
  }

  /** Frees the pair for a new request once this one is answered. */
  async releasePair(r: StoredRequest): Promise<void> {
    const key = this.pairKey(r.citizenId, r.officerId);
    if ((await this.redis.get(key)) === r.id) await this.redis.del(key);
  }
}

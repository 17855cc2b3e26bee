import type { RedisClient } from '@heyblue/platform';

type Payload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * oidc-provider storage in Redis, so the dev provider's interactions, sessions and codes are
 * shared by every instance (a browser flow may hop between replicas behind a load balancer).
 * Every key carries the `{dev-oidc}` hash tag: an upsert writes a payload, its grant list and
 * its lookups in one MULTI, and a revocation deletes many keys at once, which a Redis Cluster
 * allows only within one slot (a development provider's traffic fits one node).
 */
export function redisOidcAdapter(redis: RedisClient, key: (...parts: string[]) => string) {
  return class RedisOidcAdapter {
    constructor(private readonly model: string) {}

    private k(id: string): string {
      return key('iam', '{dev-oidc}', this.model, id);
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const m = redis.multi();
      const ttl = typeof expiresIn === 'number' && expiresIn > 0 ? Math.ceil(expiresIn) : 3_600;
      m.set(this.k(id), JSON.stringify(payload), 'EX', ttl);
      if (GRANTABLE.has(this.model) && payload.grantId) {
        const g = key('iam', '{dev-oidc}', 'grant', payload.grantId);
        m.rpush(g, this.k(id)).expire(g, ttl);
      }
      if (payload.uid) m.set(key('iam', '{dev-oidc}', 'uid', payload.uid), id, 'EX', ttl);
      if (payload.userCode) m.set(key('iam', '{dev-oidc}', 'user-code', payload.userCode), id, 'EX', ttl);
      await m.exec();
    }

    async find(id: string): Promise<Payload | undefined> {
      const raw = await redis.get(this.k(id));
      return raw ? (JSON.parse(raw) as Payload) : undefined;
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const id = await redis.get(key('iam', '{dev-oidc}', 'uid', uid));
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const id = await redis.get(key('iam', '{dev-oidc}', 'user-code', userCode));
      return id ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const payload = await this.find(id);
      if (!payload) return;
      payload.consumed = Math.floor(Date.now() / 1000);
      await redis.set(this.k(id), JSON.stringify(payload), 'KEEPTTL');
    }

    async destroy(id: string): Promise<void> {
      await redis.del(this.k(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const g = key('iam', '{dev-oidc}', 'grant', grantId);
      const keys = await redis.lrange(g, 0, -1);
      if (keys.length > 0) await redis.del(...keys);
      await redis.del(g);
    }
  };
}

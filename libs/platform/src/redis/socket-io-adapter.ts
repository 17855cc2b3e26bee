import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import { closeRedis, type RedisClient, type RedisService } from './redis.service.js';

/** A socket.io adapter factory and the Redis connections it owns. */
export interface SocketIoRedisAdapter {
  /** Pass to `server.adapter(...)`. */
  adapter: NonNullable<ServerOptions['adapter']>;
  /** Closes the adapter's connections (after the server's adapters were closed). */
  close(): Promise<void>;
}

/**
 * The one place socket.io adapters are made, so every server that emits to rooms (the gateway's
 * and the detached ones that only publish) shares one channel layout on one Redis or a Cluster.
 *
 * One Redis: the classic pub/sub adapter. A Cluster: sharded pub/sub (Redis 7 SPUBLISH), in
 * dynamic mode, so each room's channel lives on the shard that owns its slot and no message is
 * broadcast over the whole cluster bus (classic PUBLISH reaches every node of a cluster).
 * ioredis keeps one sharded subscriber per master and moves the subscriptions after a failover.
 */
export function socketIoRedisAdapter(redis: RedisService, name: string): SocketIoRedisAdapter {
  const pub: RedisClient = redis.duplicate({ maxRetriesPerRequest: null }, `${name}-pub`);
  if (redis.cluster) {
    const sub = redis.duplicateCluster(
      { maxRetriesPerRequest: null },
      { shardedSubscribers: true },
      `${name}-sub`,
    );
    return {
      adapter: createShardedAdapter(pub, sub, {
        channelPrefix: redis.key('socket.io'),
        subscriptionMode: 'dynamic',
      }),
      close: async () => {
        await Promise.all([closeRedis(pub), closeRedis(sub)]);
      },
    };
  }
  const sub = redis.duplicate({ maxRetriesPerRequest: null }, `${name}-sub`);
  return {
    adapter: createAdapter(pub, sub, { key: redis.key('socket.io') }),
    close: async () => {
      await Promise.all([closeRedis(pub), closeRedis(sub)]);
    },
  };
}

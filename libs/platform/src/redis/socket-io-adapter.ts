import { createAdapter } from '@socket.io/redis-streams-adapter';
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
 * How long a socket's session (id, rooms, data) and the packets it missed are kept after an
 * unexpected disconnect (a phone switching networks): a client back within this time gets the
 * missed events on whichever instance it reconnects to (socket.io connection state recovery).
 */
export const SOCKET_RECOVERY_MS = 2 * 60_000;

/**
 * The one place socket.io adapters are made, so every server that emits to rooms shares one
 * layout on one Redis or a Cluster.
 *
 * The Redis Streams adapter (@socket.io/redis-streams-adapter): broadcasts go through one Redis
 * stream (XADD, read by every instance with a blocking XREAD on a connection of its own), so an
 * instance that loses Redis for a moment resumes from its last offset instead of dropping packets,
 * and socket.io's connection state recovery works across instances: a disconnected socket's
 * session is stored under a key of its own, and the packets it missed are read back from the
 * stream (XRANGE) by the instance it reconnects to. The stream is capped (MAXLEN ~ 10,000 entries).
 * Ephemeral messages (serverSideEmit, fetchSockets) go over pub/sub; on a Cluster over sharded
 * pub/sub (SPUBLISH), the stream being one key on one slot and each session key on its own.
 * Connections: this one (XADD, sessions), a reader and a subscriber the adapter duplicates from it.
 */
export function socketIoRedisAdapter(redis: RedisService, name: string): SocketIoRedisAdapter {
  const connect = (role: string): RedisClient =>
    redis.cluster
      ? redis.duplicateCluster(
          { maxRetriesPerRequest: null },
          { shardedSubscribers: true },
          `${name}-${role}`,
        )
      : redis.duplicate({ maxRetriesPerRequest: null }, `${name}-${role}`);
  const client = connect('streams');
  // The adapter makes its reader and subscriber with client.duplicate(): hand it ours, so they log
  // their errors and send subscriptions only once connected (RedisService, redis/ioredis#2037).
  Object.defineProperty(client, 'duplicate', { value: () => connect('streams-dup'), configurable: true });
  return {
    adapter: createAdapter(client, {
      streamName: redis.key('socket.io', 'stream'),
      sessionKeyPrefix: `${redis.key('socket.io', 'session')}:`,
      channelPrefix: redis.key('socket.io'),
      useShardedPubSub: Boolean(redis.cluster),
      maxLen: 10_000,
      // An idle reader wakes once a second, so a closing instance lets go of Redis promptly.
      blockTimeInMs: 1_000,
    }),
    close: async () => {
      await closeRedis(client);
    },
  };
}

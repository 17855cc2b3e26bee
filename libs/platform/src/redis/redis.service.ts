import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Env } from '../config/environment.js';

/**
 * A connection to the one Redis or to a Redis Cluster. Both speak the same command API
 * (ioredis routes each command, script and transaction of a Cluster to the node that owns its
 * keys' slot); what only one of them has (a Redis's `stream`, a Cluster's `nodes()`) is reached
 * through `isCluster`.
 */
export type RedisClient = Redis | Cluster;

/** Whether a client is a Redis Cluster connection. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** How to reach a Redis Cluster (REDIS_CLUSTER_*). */
export interface ClusterSettings {
  nodes: Array<{ host: string; port: number }>;
  password?: string;
  tls: boolean;
  natMap?: Record<string, { host: string; port: number }>;
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/** The cluster settings of an environment, or undefined when it names no cluster (one Redis at REDIS_URL). */
export function clusterSettings(
  env: Pick<
    Env,
    'REDIS_CLUSTER_NODES' | 'REDIS_CLUSTER_PASSWORD' | 'REDIS_CLUSTER_TLS' | 'REDIS_CLUSTER_NAT_MAP'
  >,
): ClusterSettings | undefined {
  if (!env.REDIS_CLUSTER_NODES) return undefined;
  const natMap = env.REDIS_CLUSTER_NAT_MAP
    ? Object.fromEntries(
        env.REDIS_CLUSTER_NAT_MAP.split(',')
          .map((pair) => pair.split('=') as [string, string])
          .map(([from, to]) => [from, hostPort(to)]),
      )
    : undefined;
  return {
    nodes: env.REDIS_CLUSTER_NODES.split(',').map(hostPort),
    password: env.REDIS_CLUSTER_PASSWORD,
    tls: env.REDIS_CLUSTER_TLS,
    natMap,
  };
}

function logErrors<T extends RedisClient>(client: T, name: string): T {
  const logger = new Logger(name);
  let lastLog = 0;
  client.on('error', (err: Error) => {
    // Reconnect attempts can fire many errors a second; one line every 5 s is enough.
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      logger.warn(`redis error: ${err.message}`);
    }
  });
  return client;
}

/** The commands that put a connection into (or take it out of) classic subscriber mode. */
const SUBSCRIPTION_COMMANDS = ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const;

/**
 * Makes a client send one classic subscription command at a time, each after the previous one's
 * reply. ioredis 5 sends CLIENT SETNAME/SETINFO before its ready check (INFO) and writes a
 * SUBSCRIBE issued in that window at once (SUBSCRIBE may run while Redis loads): the connection
 * enters subscriber mode, the ready check's INFO fails ("Connection in subscriber mode, only
 * subscriber commands may be used" or the server's "Can't execute 'info'"), and every
 * subscription still queued is rejected with that error (redis/ioredis#2037, fixed only in
 * ioredis 6, which also switches to RESP3). A Cluster's subscriber connection always runs that
 * ready check (ioredis hard-codes it), and bull's shared subscriber receives one subscription per
 * queue as each queue starts, so on a cluster it hit the window. Here each subscription waits
 * for the previous one's reply and, when the connection is mid-handshake, for it to be ready;
 * before the handshake ioredis keeps it in the offline queue until ready. So none is ever
 * written during the handshake. Sharded subscriptions
 * (SSUBSCRIBE) are left alone: ioredis' sharded subscribers skip the ready check.
 */
function oneSubscriptionAtATime<T extends RedisClient>(client: T): T {
  let previous: Promise<unknown> = Promise.resolve();
  for (const name of SUBSCRIPTION_COMMANDS) {
    const send = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    const inSequence = (...args: unknown[]): Promise<unknown> => {
      const result = previous.then(() => afterHandshake(client)).then(() => send(...args));
      previous = result.catch(() => undefined);
      return result;
    };
    Object.defineProperty(client, name, { value: inSequence, writable: true, configurable: true });
  }
  return client;
}

/**
 * Resolves once the connection that receives a client's subscriptions is past its handshake
 * ('connect': connected, ready check pending). Waiting is needed only then: before it
 * ('wait', 'connecting', 'reconnecting') ioredis queues the command until the connection is
 * ready; after it the command is safe. A Cluster's subscriber connection is internal to ioredis
 * (one node's connection, replaced after a failover): reached through its `subscriber` field.
 */
async function afterHandshake(client: RedisClient): Promise<void> {
  const connection = isCluster(client)
    ? (client as unknown as { subscriber?: { getInstance(): Redis | null } }).subscriber?.getInstance()
    : client;
  if (connection?.status !== 'connect') return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      connection.off('ready', done);
      connection.off('close', done);
      resolve();
    };
    connection.on('ready', done);
    connection.on('close', done);
  });
}

/** Creates ioredis clients that never crash the process on connection errors. */
export function createRedis(url: string, options: RedisOptions = {}, name = 'redis'): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...options,
  });
  return oneSubscriptionAtATime(logErrors(client, name));
}

/**
 * A Redis Cluster connection with the same behaviour as `createRedis` (offline queue, bounded
 * retries, per-command timeout from `options`). During a failover the cluster answers
 * CLUSTERDOWN or MOVED for a few seconds: ioredis retries those on its own
 * (retryDelayOnFailover/ClusterDown), so commands wait rather than fail unless their timeout
 * runs out first.
 */
export function createCluster(
  settings: ClusterSettings,
  options: RedisOptions = {},
  name = 'redis-cluster',
  extra: Partial<ClusterOptions> = {},
): Cluster {
  const { enableOfflineQueue, enableReadyCheck, ...nodeOptions } = options;
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableReadyCheck: enableReadyCheck ?? true,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2_000,
    natMap: settings.natMap,
    // Managed clusters with TLS announce names their certificates are issued for: connect by name.
    ...(settings.tls
      ? {
          dnsLookup: (address: string, callback: (err: null, address: string) => void) =>
            callback(null, address),
        }
      : {}),
    redisOptions: {
      maxRetriesPerRequest: 2,
      ...nodeOptions,
      // Bull refuses blocking/subscriber connections with a ready check; the cluster's own check covers it.
      enableReadyCheck: false,
      ...(settings.password ? { password: settings.password } : {}),
      ...(settings.tls ? { tls: {} } : {}),
    },
    ...extra,
  };
  return oneSubscriptionAtATime(logErrors(new Cluster(settings.nodes, clusterOptions), name));
}

/**
 * Closes a client gracefully: QUIT lets pending commands (e.g. an adapter's UNSUBSCRIBE)
 * get their replies instead of rejecting as "Connection is closed"; after `timeoutMs`
 * (Redis unreachable) the connection is dropped.
 */
export async function closeRedis(client: RedisClient | undefined, timeoutMs = 1_000): Promise<void> {
  if (!client || client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('quit timed out')), timeoutMs);
      }),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

/** The shared command connection (rate limits, caches, geo index). */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: RedisClient;
  /** REDIS_PREFIX: every key this deployment writes starts with it. */
  readonly prefix: string;
  /** Set when REDIS_CLUSTER_NODES names a cluster. */
  readonly cluster?: ClusterSettings;

  constructor(private readonly config: ConfigService<Env, true>) {
    this.prefix = config.get('REDIS_PREFIX', { infer: true });
    this.cluster = clusterSettings({
      REDIS_CLUSTER_NODES: config.get('REDIS_CLUSTER_NODES', { infer: true }),
      REDIS_CLUSTER_PASSWORD: config.get('REDIS_CLUSTER_PASSWORD', { infer: true }),
      REDIS_CLUSTER_TLS: config.get('REDIS_CLUSTER_TLS', { infer: true }),
      REDIS_CLUSTER_NAT_MAP: config.get('REDIS_CLUSTER_NAT_MAP', { infer: true }),
    });
    this.client = this.duplicate({ commandTimeout: 2_000 }, 'redis');
  }

  /** A namespaced key: `key('geo', '{9q8}')` → `heyblue:geo:{9q8}`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /**
   * The bull prefix of a queue. Bull's scripts touch several keys of a queue at once, so on a
   * cluster they must share a slot: the queue's name becomes a hash tag
   * (`heyblue:{events.x}:events.x:wait`). On one Redis the keys keep their layout, so jobs
   * queued before an upgrade are still found.
   */
  queuePrefix(queue: string): string {
    return this.cluster ? `${this.prefix}:{${queue}}` : this.prefix;
  }

  /** A new connection with the same settings (for subscribers, bull, socket.io adapter). */
  duplicate(options: RedisOptions = {}, name?: string): RedisClient {
    return this.cluster
      ? createCluster(this.cluster, options, name)
      : createRedis(this.config.get('REDIS_URL', { infer: true }), options, name);
  }

  /** A new cluster connection with cluster-only options (e.g. sharded subscribers); only in cluster mode. */
  duplicateCluster(options: RedisOptions, clusterOptions: Partial<ClusterOptions>, name?: string): Cluster {
    if (!this.cluster) throw new Error('duplicateCluster needs REDIS_CLUSTER_NODES');
    return createCluster(this.cluster, options, name, clusterOptions);
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.client);
  }
}

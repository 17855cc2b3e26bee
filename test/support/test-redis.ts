import type { RedisOptions } from 'ioredis';
import { clusterSettings, createCluster, createRedis, type RedisClient } from '@heyblue/platform';

/** A Redis connection for a test to read or write what an app of `env` sees (its Redis or its Cluster). */
export function testRedis(
  env: Record<string, string>,
  options: RedisOptions = { maxRetriesPerRequest: 2 },
): RedisClient {
  const cluster = clusterSettings({
    REDIS_CLUSTER_NODES: env.REDIS_CLUSTER_NODES,
    REDIS_CLUSTER_PASSWORD: env.REDIS_CLUSTER_PASSWORD,
    REDIS_CLUSTER_TLS: env.REDIS_CLUSTER_TLS === 'true',
    REDIS_CLUSTER_NAT_MAP: env.REDIS_CLUSTER_NAT_MAP,
  });
  if (cluster) return createCluster(cluster, options, 'test-redis');
  if (!env.REDIS_URL) throw new Error('env needs REDIS_URL or REDIS_CLUSTER_NODES');
  return createRedis(env.REDIS_URL, options, 'test-redis');
}

import type * as ClusterModule from './redis-cluster.js';
// @ts-expect-error TS2835: Jest loads global teardown through CommonJS without the ESM mapper
import e2eTeardown from './global-teardown';
// @ts-expect-error TS2835: see above
import * as redisCluster from './redis-cluster';

const { stopRedisClusterAt } = redisCluster as typeof ClusterModule;

/** Stops the project's Redis Cluster, and drops the run's databases (a no-op when the e2e teardown did). */
export default async function clusterGlobalTeardown(): Promise<void> {
  const dir = process.env.HEYBLUE_TEST_REDIS_CLUSTER_DIR;
  if (dir) stopRedisClusterAt(dir);
  await (e2eTeardown as () => Promise<void>)();
}

import type * as ClusterModule from './redis-cluster.js';
// Jest loads global setup through CommonJS without the ESM module mapper (see global-setup.ts).
// @ts-expect-error TS2835: relative imports need extensions under nodenext
import e2eSetup from './global-setup';
// @ts-expect-error TS2835: see above
import * as redisCluster from './redis-cluster';

const { startRedisCluster } = redisCluster as typeof ClusterModule;

/**
 * The cluster-mode project: the e2e template database (unless the e2e project's setup already
 * made it in this run) and one local Redis Cluster that every suite of the project shares,
 * each under its own key prefix as on the one Redis.
 */
export default async function clusterGlobalSetup(): Promise<void> {
  if (!process.env.HEYBLUE_TEST_RUN) await (e2eSetup as () => Promise<void>)();
  const cluster = await startRedisCluster();
  process.env.HEYBLUE_TEST_REDIS_CLUSTER_NODES = cluster.nodes;
  process.env.HEYBLUE_TEST_REDIS_CLUSTER_DIR = cluster.dir;
}

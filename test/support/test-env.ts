import {
  assertTestDatabase,
  databaseUrl,
  randomId,
  REDIS_URL,
  runRedisPrefix,
  withAdmin,
} from './databases.js';

export interface TestEnv {
  /** Environment variables for an app (or child process) bound to this test's database and Redis prefix. */
  env: Record<string, string>;
  databaseUrl: string;
  redisPrefix: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database cloned from the run's template plus a Redis key prefix of its
 * own: test files never see each other's rows, queues or rate-limit counters.
 */
export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const run = process.env.HEYBLUE_TEST_RUN;
  const template = process.env.HEYBLUE_TEST_TEMPLATE;
  if (!run || !template) throw new Error('e2e tests need the jest globalSetup (run them through `npm test`)');
  const id = randomId();
  const name = `${run}_${id}`;
  assertTestDatabase(name);
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = databaseUrl(name);
  const redisPrefix = `${runRedisPrefix(run)}_${id}`;
  const cluster = clusterModeNodes();
  return {
    databaseUrl: url,
    redisPrefix,
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: url,
      REDIS_URL,
      ...(cluster ? { REDIS_CLUSTER_NODES: cluster } : {}),
      REDIS_PREFIX: redisPrefix,
      HEYBLUE_DEV_MODE: 'true',
      // Tests play clients behind a loopback proxy (given.ts sends X-Forwarded-For per client).
      TRUST_PROXY: 'loopback',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      OUTBOX_POLL_MS: '50',
      EVENT_BACKOFF_MS: '50',
      ...overrides,
    },
    drop: () =>
      withAdmin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

/**
 * The Redis Cluster this test file runs on (REDIS_CLUSTER_NODES), or undefined on the one Redis:
 * set for the files of the `cluster` Jest project (test/support/cluster-mode.ts).
 */
export function clusterModeNodes(): string | undefined {
  if (process.env.HEYBLUE_TEST_REDIS_MODE !== 'cluster') return undefined;
  const nodes = process.env.HEYBLUE_TEST_REDIS_CLUSTER_NODES;
  if (!nodes)
    throw new Error('cluster mode without a cluster: run the suite through the `cluster` Jest project');
  return nodes;
}

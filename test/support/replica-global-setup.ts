import type * as ReplicaModule from './pg-replica.js';
// Jest loads global setup through CommonJS without the ESM module mapper (see global-setup.ts).
// @ts-expect-error TS2835: relative imports need extensions under nodenext
import e2eSetup from './global-setup';
// @ts-expect-error TS2835: see above
import * as pgReplica from './pg-replica';

const { startPgReplica } = pgReplica as typeof ReplicaModule;

/**
 * The replica project: the e2e template database (unless the e2e project's setup already made
 * it in this run) and one streaming replica of the test server that its suites share.
 */
export default async function replicaGlobalSetup(): Promise<void> {
  if (!process.env.HEYBLUE_TEST_RUN) await (e2eSetup as () => Promise<void>)();
  const replica = await startPgReplica();
  process.env.HEYBLUE_TEST_PG_REPLICA_DIR = replica.dir;
}

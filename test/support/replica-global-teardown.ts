import type * as ReplicaModule from './pg-replica.js';
// @ts-expect-error TS2835: Jest loads global teardown through CommonJS without the ESM mapper
import e2eTeardown from './global-teardown';
// @ts-expect-error TS2835: see above
import * as pgReplica from './pg-replica';

const { removePgReplicaAt } = pgReplica as typeof ReplicaModule;

/** Stops and removes the project's replica (and its slot), and drops the run's databases (a no-op when the e2e teardown did). */
export default async function replicaGlobalTeardown(): Promise<void> {
  const dir = process.env.HEYBLUE_TEST_PG_REPLICA_DIR;
  if (dir) await removePgReplicaAt(dir);
  await (e2eTeardown as () => Promise<void>)();
}

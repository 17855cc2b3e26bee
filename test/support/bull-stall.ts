import Bull from 'bull';
import { closeRedis, type RedisClient } from '@heyblue/platform';
import { eventually } from './poll.js';
import { testRedis } from './test-redis.js';

type WorkerQueue = Bull.Queue & {
  settings: Bull.AdvancedSettings;
  keyPrefix: string;
  toKey(key: string): string;
  moveUnlockedJobsToWait(): Promise<unknown>;
};

/**
 * Makes bull give a job up as "stalled more than allowable limit", as it does when the workers
 * that take the job keep dying: `queue` (the app's, which has a worker) takes nothing meanwhile,
 * a second worker takes the job `enqueue` adds and dies (its 200 ms lock is never renewed), and
 * bull's own stalled-job check runs on `queue` twice with no stall allowed — the first pass marks
 * the active job, the second finds it unlocked and fails it without calling a processor.
 * Returns the job id.
 */
export async function stallUntilGivenUp(
  appQueue: Bull.Queue,
  env: Record<string, string>,
  enqueue: () => Promise<unknown>,
): Promise<string> {
  const queue = appQueue as WorkerQueue;
  await queue.pause(true, true);
  // Its own connections, on the app's Redis or Cluster, under the app queue's prefix.
  const clients: RedisClient[] = [];
  const dying = new Bull(queue.name, {
    prefix: queue.keyPrefix,
    settings: { lockDuration: 200 },
    createClient: () => {
      const c = testRedis(env, { maxRetriesPerRequest: null, enableReadyCheck: false });
      clients.push(c);
      return c;
    },
  });
  const saved = {
    maxStalledCount: queue.settings.maxStalledCount,
    stalledInterval: queue.settings.stalledInterval,
  };
  const key = (k: string) => queue.toKey(k);
  try {
    await enqueue();
    const job = await dying.getNextJob();
    if (!job) throw new Error(`no job for the dying worker on ${queue.name}`);
    const id = String(job.id);
    Object.assign(queue.settings, { maxStalledCount: 0, stalledInterval: 50 });
    const check = async () => {
      await queue.client.del(key('stalled-check'));
      await queue.moveUnlockedJobsToWait();
    };
    await check();
    await eventually(async () => (await queue.client.exists(key(`${id}:lock`))) === 0, Boolean, {
      what: 'the dying worker lock lapsed',
    });
    await check();
    const state = await (await queue.getJob(id))?.getState();
    if (state !== 'failed') throw new Error(`bull did not give job ${id} up (state ${state})`);
    return id;
  } finally {
    Object.assign(queue.settings, saved);
    await dying.close();
    await Promise.all(clients.map((c) => closeRedis(c)));
    await queue.resume(true);
  }
}

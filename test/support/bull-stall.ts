import Bull from 'bull';
import { eventually } from './poll.js';

type WorkerQueue = Bull.Queue & { settings: Bull.AdvancedSettings; moveUnlockedJobsToWait(): Promise<unknown> };

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
  const { REDIS_URL, REDIS_PREFIX } = env;
  if (!REDIS_URL || !REDIS_PREFIX) throw new Error('env needs REDIS_URL and REDIS_PREFIX');
  await queue.pause(true, true);
  const dying = new Bull(queue.name, REDIS_URL, { prefix: REDIS_PREFIX, settings: { lockDuration: 200 } });
  const saved = { maxStalledCount: queue.settings.maxStalledCount, stalledInterval: queue.settings.stalledInterval };
  const key = (k: string) => `${REDIS_PREFIX}:${queue.name}:${k}`;
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
    await eventually(async () => (await queue.client.exists(key(`${id}:lock`))) === 0, Boolean, { what: 'the dying worker lock lapsed' });
    await check();
    const state = await (await queue.getJob(id))?.getState();
    if (state !== 'failed') throw new Error(`bull did not give job ${id} up (state ${state})`);
    return id;
  } finally {
    Object.assign(queue.settings, saved);
    await dying.close();
    await queue.resume(true);
  }
}

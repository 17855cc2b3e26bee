import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access } from 'node:fs/promises';
import Bull from 'bull';
import { PrismaService, QueueFactory } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { stallUntilGivenUp } from '../support/bull-stall.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { csv, finished, upload } from './etl-support.js';

/** `n` retailer rows plus one without a name as record 151. */
function shops(prefix: string, n: number): string[][] {
  const rows = Array.from({ length: n }, (_, i) => [
    `${prefix}-${i}`,
    `Shop ${i}`,
    'https://s.example.com',
    `s${i}@s.example`,
    '10001',
  ]);
  rows.splice(150, 0, [`${prefix}-bad`, '', 'https://s.example.com', 'x@s.example', '10001']);
  return rows;
}

/** A job survives an instance shutting down mid-file: bull hands it to the next instance, which resumes after the last committed batch. */
describe('ETL job across a restart', () => {
  let first: TestApp | null = null;
  let second: TestApp | null = null;
  let testEnv: TestEnv | null = null;
  afterAll(async () => {
    // `first` still set means the test stopped before the restart: closing it drops the environment.
    if (first) await first.close();
    else {
      await second?.close();
      await testEnv?.drop();
    }
  });

  it('completes with correct totals and no duplicates after the worker shuts down mid-job', async () => {
    // Small batches with a pause so the job is certainly mid-file when the instance stops.
    const env = { ETL_BATCH_SIZE: '10', ETL_BATCH_PAUSE_MS: '100' };
    first = await startTestApp(env);
    const admin = await given.admin(first);
    const rows = shops('restart', 300);
    const up = await upload(first, admin.accessToken, {
      kind: 'retailers',
      content: csv([['external_id', 'name', 'website', 'contact_email', 'zip'], ...rows]),
    });
    expect(up.status).toBe(202);
    const prisma1 = first.app.get(PrismaService);
    await eventually(
      () => prisma1.etlJob.findUniqueOrThrow({ where: { id: up.body.jobId } }),
      (j) => j.committedRows >= 30,
      { what: 'some batches committed' },
    );

    testEnv = first.testEnv;
    await first.app.close(); // the database and Redis prefix stay: the next instance shares them
    first = null;
    second = await startTestApp(env, testEnv);

    const job = await finished(second!, admin.accessToken, up.body.jobId);
    expect(job).toMatchObject({
      status: 'done',
      rowsTotal: 301,
      rowsOk: 300,
      rowsFailed: 1,
      errors: [{ row: 151, field: 'name', message: 'is required' }],
    });
    const prisma2 = second!.app.get(PrismaService);
    expect(await prisma2.rewardsRetailer.count({ where: { externalId: { startsWith: 'restart-' } } })).toBe(
      300,
    );
    expect(await prisma2.etlJobError.count({ where: { jobId: up.body.jobId } })).toBe(1);
    // Two runs: the first instance stopped mid-file and the second resumed it.
    expect(
      (await prisma2.etlJob.findUniqueOrThrow({ where: { id: up.body.jobId } })).runs,
    ).toBeGreaterThanOrEqual(2);
  });
});

/**
 * The worker process dies (SIGKILL: no shutdown hooks, the bull lock is left behind) mid-job;
 * a fresh instance's bull stalled-job check moves the job back to wait and the processor
 * resumes after the last committed batch.
 */
describe('ETL job across a killed worker', () => {
  let uploader: TestApp | null = null;
  let fresh: TestApp | null = null;
  let testEnv: TestEnv | null = null;
  let child: ChildProcess | null = null;
  const original = Bull.prototype.process;
  afterAll(async () => {
    Bull.prototype.process = original;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await uploader?.app.close();
    await fresh?.app.close();
    await testEnv?.drop();
  });

  it('completes with correct totals and no duplicates after the worker is SIGKILLed mid-job', async () => {
    const env = { ETL_BATCH_SIZE: '10', ETL_BATCH_PAUSE_MS: '50' };
    testEnv = await createTestEnv(env);
    // This instance only takes the upload; the job runs in the child.
    uploader = await startTestApp({ ...env, ETL_WORKER_ENABLED: 'false' }, testEnv);
    const admin = await given.admin(uploader);
    const up = await upload(uploader, admin.accessToken, {
      kind: 'retailers',
      content: csv([['external_id', 'name', 'website', 'contact_email', 'zip'], ...shops('killed', 300)]),
    });
    expect(up.status).toBe(202);

    let err = '';
    child = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'test/etl/fixtures/etl-worker.ts'],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          ...testEnv.env,
          OUTBOX_RELAY_ENABLED: 'false',
          EVENT_WORKERS_ENABLED: 'false',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const prisma = uploader.app.get(PrismaService);
    await eventually(
      () => prisma.etlJob.findUniqueOrThrow({ where: { id: up.body.jobId } }),
      (j) => j.committedRows >= 30,
      {
        timeoutMs: 90_000,
        intervalMs: 20,
        what: `the child committed some batches (stderr: ${err.slice(-300)})`,
      },
    );
    child.kill('SIGKILL');
    await once(child, 'exit');
    const killed = await prisma.etlJob.findUniqueOrThrow({ where: { id: up.body.jobId } });
    expect(killed.status).toBe('running');
    expect(killed.committedRows).toBeLessThan(301);
    await uploader.app.close();
    uploader = null;

    // Bull checks for stalled jobs every 30 s by default; a short interval keeps the test short
    // (the child's lock is 3 s, see fixtures/etl-worker.ts).
    Bull.prototype.process = function (this: Bull.Queue, ...args: unknown[]) {
      (this as unknown as { settings: Record<string, number> }).settings.stalledInterval = 500;
      return (original as (...a: unknown[]) => Promise<void>).apply(this, args);
    } as typeof Bull.prototype.process;
    fresh = await startTestApp(env, testEnv);
    const job = await eventually(
      () => api(fresh!, 'GET', `/admin/etl/jobs/${up.body.jobId}`, { token: admin.accessToken }),
      (r) => r.body.status === 'done' || r.body.status === 'failed',
      { timeoutMs: 60_000, what: 'the job finished on the fresh instance' },
    );
    expect(job.body).toMatchObject({
      status: 'done',
      rowsTotal: 301,
      rowsOk: 300,
      rowsFailed: 1,
      errors: [{ row: 151, field: 'name', message: 'is required' }],
    });
    const prisma2 = fresh.app.get(PrismaService);
    expect(await prisma2.rewardsRetailer.count({ where: { externalId: { startsWith: 'killed-' } } })).toBe(
      300,
    );
    expect(await prisma2.etlJobError.count({ where: { jobId: up.body.jobId } })).toBe(1);
    expect(
      (await prisma2.etlJob.findUniqueOrThrow({ where: { id: up.body.jobId } })).runs,
    ).toBeGreaterThanOrEqual(2);
  }, 240_000);
});

/** A job whose workers keep dying is given up by bull without calling the processor: the upload must not stay `running`. */
describe('ETL job given up after its workers stalled too often', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is marked failed with a reason the admin can act on, and its file is removed', async () => {
    const admin = await given.admin(t);
    const queue = t.app.get(QueueFactory).get('etl.uploads');
    let up: { status: number; body: { jobId: string } } | undefined;
    await stallUntilGivenUp(queue, t.testEnv.env, async () => {
      up = await upload(t, admin.accessToken, {
        kind: 'retailers',
        content: csv([['external_id', 'name', 'website', 'contact_email', 'zip'], ...shops('stalled', 3)]),
      });
    });
    expect(up!.status).toBe(202);
    const job = await eventually(
      () => api(t, 'GET', `/admin/etl/jobs/${up!.body.jobId}`, { token: admin.accessToken }),
      (r) => r.body.status !== 'queued' && r.body.status !== 'running',
      { what: 'the given-up job left queued/running' },
    );
    expect(job.body).toMatchObject({ status: 'failed', rowsOk: 0 });
    const record = await t.app.get(PrismaService).etlJob.findUniqueOrThrow({ where: { id: up!.body.jobId } });
    expect(record.failure).toMatch(/stopped .* too often; upload it again/);
    await expect(access(record.filePath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(
      await t.app
        .get(PrismaService)
        .rewardsRetailer.count({ where: { externalId: { startsWith: 'stalled-' } } }),
    ).toBe(0);
  });
});

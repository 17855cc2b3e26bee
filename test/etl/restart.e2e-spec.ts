import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TestEnv } from '../support/test-env.js';
import { given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { csv, finished, upload } from './etl-support.js';

/** A job survives an instance going away mid-file: bull hands it to the next instance, which resumes after the last committed batch. */
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

  it('completes with correct totals and no duplicates after the worker stops mid-job', async () => {
    // Small batches with a pause so the job is certainly mid-file when the instance stops.
    const env = { ETL_BATCH_SIZE: '10', ETL_BATCH_PAUSE_MS: '100' };
    first = await startTestApp(env);
    const admin = await given.admin(first);
    const rows = Array.from({ length: 300 }, (_, i) => [
      `restart-${i}`,
      `Shop ${i}`,
      'https://s.example.com',
      `s${i}@s.example`,
      '10001',
    ]);
    rows.splice(150, 0, ['restart-bad', '', 'https://s.example.com', 'x@s.example', '10001']);
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

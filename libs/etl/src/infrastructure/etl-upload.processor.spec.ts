import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigService } from '@nestjs/config';
import type { Env, QueueFactory } from '@heyblue/platform';
import type { EtlKind } from '../domain/etl-kinds.js';
import type { EtlRow, FieldError } from '../domain/row-rules.js';
import type { CatalogueWriter } from './catalogue-writer.js';
import type { BatchOutcome, EtlJobRecord, EtlJobsRepository } from './etl-jobs.repository.js';
import { EtlUploadProcessor } from './etl-upload.processor.js';

/** In-memory job store with the same compare-and-set semantics as the Prisma one. */
class MemoryJobs {
  job!: EtlJobRecord;
  commits: number[] = [];
  errors: Array<{ row: number; field: string }> = [];
  keys = new Map<string, number>();
  finished: { status: string; failure: string | null } | null = null;

  async find(): Promise<EtlJobRecord> {
    return { ...this.job };
  }
  async markRunning(): Promise<void> {
    this.job.status = 'running';
  }
  async commitBatch(_id: string, previous: number, b: BatchOutcome): Promise<boolean> {
    if (this.job.committedRows !== previous) return false;
    this.job.committedRows = b.committedRows;
    this.job.rowsOk += b.ok;
    this.job.rowsFailed += b.failedRows;
    this.errors.push(...b.errors.map((e) => ({ row: e.row, field: e.field })));
    for (const k of b.seen) if (!this.keys.has(k.key)) this.keys.set(k.key, k.row);
    this.commits.push(b.committedRows);
    return true;
  }
  async firstRows(_id: string, keys: string[]): Promise<Map<string, number>> {
    return new Map(keys.filter((k) => this.keys.has(k)).map((k) => [k, this.keys.get(k)!]));
  }
  async knownRefs(): Promise<Set<string>> {
    return new Set(['r-known']);
  }
  async finish(_id: string, status: string, failure: string | null): Promise<void> {
    this.finished = { status, failure };
    this.job.status = status as EtlJobRecord['status'];
  }
}

/** Records upserts; refuses one external id the way Rewards refuses an unknown parent. */
class RecordingWriter {
  written: string[] = [];
  async writeBatch(_kind: EtlKind, rows: EtlRow[]): Promise<Array<FieldError[] | null>> {
    return rows.map((row) => {
      const id = (row as { externalId: string }).externalId;
      if (id === 'orphan')
        return [{ field: 'retailer_external_id', message: 'refers to an unknown parent (load it first)' }];
      this.written.push(id);
      return null;
    });
  }
}

const HEADER = 'external_id,name,website,contact_email,zip';
const row = (id: string, name = 'Shop') => `${id},${name},https://s.example.com,s@s.example,10001`;
// 7 records: r1..r3 | r4, (blank name), r1 again | r5
const FILE =
  [HEADER, row('r1'), row('r2'), row('r3'), row('r4'), row('bad', ''), row('r1', 'Again'), row('r5')].join(
    '\n',
  ) + '\n';

async function setup(
  committedRows = 0,
  kind: EtlKind = 'retailers',
  content = FILE,
  dryRun = false,
  batchSize = 3,
) {
  const dir = await mkdtemp(join(tmpdir(), 'etl-proc-'));
  const filePath = join(dir, 'upload');
  await writeFile(filePath, content);
  const jobs = new MemoryJobs();
  jobs.job = {
    id: 'job-1',
    kind,
    dryRun,
    status: 'queued',
    format: 'csv',
    filePath,
    bytesTotal: content.length,
    committedRows,
    rowsOk: 0,
    rowsFailed: 0,
  };
  const writer = new RecordingWriter();
  const settings: Record<string, unknown> = {
    ETL_BATCH_SIZE: batchSize,
    ETL_BATCH_PAUSE_MS: 0,
    ETL_WORKER_ENABLED: false,
    ETL_WORKER_CONCURRENCY: 1,
  };
  const config = { get: (k: string) => settings[k] } as unknown as ConfigService<Env, true>;
  const processor = new EtlUploadProcessor(
    {} as QueueFactory,
    jobs as unknown as EtlJobsRepository,
    writer as unknown as CatalogueWriter,
    config,
  );
  return { jobs, writer, processor };
}

describe('EtlUploadProcessor', () => {
  it('commits batch by batch, reports bad and duplicate rows, and finishes done', async () => {
    const { jobs, writer, processor } = await setup();
    await processor.run('job-1');
    expect(jobs.commits).toEqual([3, 6, 7]);
    expect(writer.written).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(jobs.errors).toEqual([
      { row: 5, field: 'name' },
      { row: 6, field: 'external_id' },
    ]);
    expect(jobs.job).toMatchObject({ rowsOk: 5, rowsFailed: 2 });
    expect(jobs.finished).toEqual({ status: 'done', failure: null });
  });

  it('resumes after the committed rows without writing them again, still catching duplicates of them', async () => {
    const { jobs, writer, processor } = await setup(3);
    ['r1', 'r2', 'r3'].forEach((k, i) => jobs.keys.set(k, i + 1)); // what the first run committed
    await processor.run('job-1');
    expect(writer.written).toEqual(['r4', 'r5']);
    expect(jobs.errors).toEqual([
      { row: 5, field: 'name' },
      { row: 6, field: 'external_id' },
    ]);
    expect(jobs.commits).toEqual([6, 7]);
  });

  it('finds duplicates of rows in batches that are written but not committed yet', async () => {
    // Batch size 1: every row its own batch. Commits wait until released, so while row 3 is
    // prepared, rows 1 and 2 are known from memory only (the database fake has no keys yet).
    const content = [HEADER, row('r1'), row('r2'), row('r1', 'Again'), row('r2', 'Again')].join('\n') + '\n';
    const { jobs, writer, processor } = await setup(0, 'retailers', content, false, 1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const commit = jobs.commitBatch.bind(jobs);
    const keysWhenPrepared: number[] = [];
    // The pipeline holds three uncommitted batches: wait until all three were checked (no
    // timer: under load 50 ms was not always enough, and the third check then saw a commit).
    let threeChecked!: () => void;
    const checked = new Promise<void>((r) => (threeChecked = r));
    const firstRows = jobs.firstRows.bind(jobs);
    jobs.firstRows = async (id: string, keys: string[]) => {
      keysWhenPrepared.push(jobs.keys.size);
      if (keysWhenPrepared.length === 3) threeChecked();
      return firstRows(id, keys);
    };
    jobs.commitBatch = async (id, previous, b) => {
      await held;
      return commit(id, previous, b);
    };
    const run = processor.run('job-1');
    await checked;
    expect(jobs.commits).toEqual([]);
    release();
    await run;
    // Rows 3 and 4 were checked while nothing was committed.
    expect(keysWhenPrepared.slice(0, 3)).toEqual([0, 0, 0]);
    expect(writer.written).toEqual(['r1', 'r2']);
    expect(jobs.errors).toEqual([
      { row: 3, field: 'external_id' },
      { row: 4, field: 'external_id' },
    ]);
    expect(jobs.job).toMatchObject({ rowsOk: 2, rowsFailed: 2, committedRows: 4 });
  });

  it('stops between batches when the instance shuts down, leaving the job resumable', async () => {
    const { jobs, writer, processor } = await setup();
    processor.onModuleDestroy();
    await expect(processor.run('job-1')).rejects.toThrow('shutting down');
    expect(jobs.commits).toEqual([3]);
    // The batches in flight behind the first one (r4; r5) were written but not committed:
    // the upserts are idempotent and the resume point still says 3, so a restart redoes them.
    expect(writer.written).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(jobs.finished).toBeNull();

    const restarted = new EtlUploadProcessor(
      {} as QueueFactory,
      jobs as unknown as EtlJobsRepository,
      writer as unknown as CatalogueWriter,
      (processor as unknown as { config: ConfigService<Env, true> }).config,
    );
    await restarted.run('job-1');
    expect(jobs.commits).toEqual([3, 6, 7]);
    expect(jobs.job).toMatchObject({ rowsOk: 5, rowsFailed: 2 });
    expect(jobs.errors).toEqual([
      { row: 5, field: 'name' },
      { row: 6, field: 'external_id' },
    ]);
    expect(jobs.finished).toEqual({ status: 'done', failure: null });
  });

  it('reports rows the owning context refuses', async () => {
    const offers =
      'external_id,retailer_external_id,title,points_cost,discount,valid_from,valid_until\n' +
      'orphan,r-none,T,5,5%,2026-01-01,2026-02-01\nok,r-known,T,5,5%,2026-01-01,2026-02-01\n';
    const { jobs, writer, processor } = await setup(0, 'offers', offers);
    await processor.run('job-1');
    expect(writer.written).toEqual(['ok']);
    expect(jobs.errors).toEqual([{ row: 1, field: 'retailer_external_id' }]);
  });

  it('in a dry run writes nothing and resolves parents from ids loaded before', async () => {
    const offers =
      'external_id,retailer_external_id,title,points_cost,discount,valid_from,valid_until\n' +
      'o1,r-none,T,5,5%,2026-01-01,2026-02-01\no2,r-known,T,5,5%,2026-01-01,2026-02-01\n';
    const { jobs, writer, processor } = await setup(0, 'offers', offers, true);
    await processor.run('job-1');
    expect(writer.written).toEqual([]);
    expect(jobs.job).toMatchObject({ rowsOk: 1, rowsFailed: 1 });
    expect(jobs.errors).toEqual([{ row: 1, field: 'retailer_external_id' }]);
  });

  it('fails only a record with an unclosed quote, with its line, and loads the others', async () => {
    const { jobs, processor } = await setup(0, 'retailers', `${HEADER}\n"unclosed,a,b,c,d\n`);
    await processor.run('job-1');
    expect(jobs.finished?.status).toBe('done');
    expect(jobs.errors).toEqual([{ row: 1, field: '(row)' }]);
  });

  it('fails the job when the header itself is malformed', async () => {
    const { jobs, processor } = await setup(
      0,
      'retailers',
      `"external_id,name,website,contact_email,zip\nx,y\n`,
    );
    await processor.run('job-1');
    expect(jobs.finished?.status).toBe('failed');
    expect(jobs.finished?.failure).toMatch(/header/);
  });
});

import { Injectable } from '@nestjs/common';
import { OutboxService, PrismaService, pgArray } from '@heyblue/platform';
import type { EtlKind } from '../domain/etl-kinds.js';
import { jobCounts } from '../domain/job-progress.js';
import { ETL_ERRORS_IN_VIEW } from '../etl.constants.js';
import { EtlJobCompleted } from '../events/etl-job-completed.integration-event.js';
import type { FileFormat } from './record-reader.js';

export type EtlJobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface EtlJobRecord {
  id: string;
  kind: EtlKind;
  dryRun: boolean;
  status: EtlJobStatus;
  format: FileFormat;
  filePath: string;
  bytesTotal: number;
  committedRows: number;
  rowsOk: number;
  rowsFailed: number;
}

export interface RowError {
  row: number;
  field: string;
  message: string;
}

export interface BatchOutcome {
  /** Records read so far, including this batch (the new resume point). */
  committedRows: number;
  bytesRead: number;
  ok: number;
  errors: RowError[];
  failedRows: number;
  /** Keys (and kind) of rows loaded in this batch, so dry runs can resolve parents later. */
  loaded: { kind: EtlKind; keys: string[] } | null;
  /** First occurrences of row keys in this batch (duplicate detection across batches). */
  seen: Array<{ key: string; row: number }>;
}

/**
 * The duplicate check's lookup: the rows of a job's committed batches where keys first
 * appeared ($1 the job, $2 the keys as an array literal), one primary-key probe per key. The
 * key table fills during a job and has no statistics yet; for the plain `job_id = $1 AND
 * key = ANY($2)` PostgreSQL planned a scan of the job's whole index range with the keys as a
 * filter, so each batch read every row stored so far (at batch size 500 a 1,000,000-row
 * upload was still running after 15 minutes). The LIMIT keeps the lateral subquery from
 * being merged into a join, so each key is an index lookup whatever the statistics say.
 * test/etl/key-lookup-plan.e2e-spec.ts checks the plan.
 */
export const FIRST_ROWS_SQL = `
  SELECT k.key, k.row
  FROM unnest($2::text[]) AS wanted(key)
  CROSS JOIN LATERAL (SELECT key, row FROM etl_job_key WHERE job_id = $1::uuid AND key = wanted.key LIMIT 1) AS k`;

/** ETL's own tables: jobs, rejected rows, known external ids. */
@Injectable()
export class EtlJobsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
  ) {}

  async create(job: {
    id: string;
    kind: EtlKind;
    dryRun: boolean;
    format: FileFormat;
    fileName: string;
    filePath: string;
    bytesTotal: number;
    createdBy: string;
  }) {
    await this.prisma.etlJob.create({ data: { ...job, status: 'queued' } });
  }

  async find(id: string): Promise<EtlJobRecord | null> {
    const j = await this.prisma.etlJob.findUnique({ where: { id } });
    return j
      ? { ...j, kind: j.kind as EtlKind, status: j.status as EtlJobStatus, format: j.format as FileFormat }
      : null;
  }

  async view(id: string) {
    const j = await this.prisma.etlJob.findUnique({ where: { id } });
    if (!j) return null;
    const errors = await this.prisma.etlJobError.findMany({
      where: { jobId: id },
      orderBy: [{ row: 'asc' }, { field: 'asc' }],
      take: ETL_ERRORS_IN_VIEW,
      select: { row: true, field: true, message: true },
    });
    return {
      id: j.id,
      kind: j.kind,
      dryRun: j.dryRun,
      ...jobCounts(j),
      errors,
      failure: j.failure,
      createdAt: j.createdAt.toISOString(),
      startedAt: j.startedAt?.toISOString() ?? null,
      finishedAt: j.finishedAt?.toISOString() ?? null,
    };
  }

  /** Every rejected row in row order, page by page (the CSV report streams it). */
  async *allErrors(id: string): AsyncGenerator<RowError> {
    let after: { row: number; field: string } | null = null;
    for (;;) {
      const page: RowError[] = await this.prisma.etlJobError.findMany({
        where: {
          jobId: id,
          ...(after
            ? { OR: [{ row: { gt: after.row } }, { row: after.row, field: { gt: after.field } }] }
            : {}),
        },
        orderBy: [{ row: 'asc' }, { field: 'asc' }],
        take: 1_000,
        select: { row: true, field: true, message: true },
      });
      yield* page;
      if (page.length < 1_000) return;
      const last = page[page.length - 1]!;
      after = { row: last.row, field: last.field };
    }
  }

  async markRunning(id: string): Promise<void> {
    await this.prisma.etlJob.update({
      where: { id },
      data: { status: 'running', startedAt: new Date(), runs: { increment: 1 } },
    });
  }

  /**
   * Commits a batch: counters, rejected rows and the resume point move together, guarded
   * by the previous resume point so a stale worker cannot count a batch twice.
   */
  async commitBatch(id: string, previousCommitted: number, b: BatchOutcome): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const moved = await tx.etlJob.updateMany({
        where: { id, committedRows: previousCommitted },
        data: {
          committedRows: b.committedRows,
          bytesRead: b.bytesRead,
          rowsOk: { increment: b.ok },
          rowsFailed: { increment: b.failedRows },
        },
      });
      if (moved.count === 0) return false;
      if (b.errors.length > 0) {
        await tx.etlJobError.createMany({
          data: b.errors.map((e) => ({ jobId: id, ...e, message: e.message.slice(0, 500) })),
          skipDuplicates: true,
        });
      }
      // Batch-sized inserts as one array parameter per column: Prisma's createMany would bind
      // (and compile) a parameter per cell, which dominated the ETL's CPU time.
      if (b.seen.length > 0) {
        await tx.$executeRaw`
          INSERT INTO etl_job_key (job_id, key, row)
          SELECT ${id}::uuid, t.key, t.row
          FROM unnest(${pgArray(b.seen.map((k) => k.key))}::text[], ${pgArray(b.seen.map((k) => k.row))}::int[]) AS t(key, row)
          ON CONFLICT DO NOTHING`;
      }
      if (b.loaded && b.loaded.keys.length > 0) {
        await tx.$executeRaw`
          INSERT INTO etl_known_ref (kind, external_id)
          SELECT ${b.loaded.kind}, unnest(${pgArray(b.loaded.keys)}::text[])
          ON CONFLICT DO NOTHING`;
      }
      return true;
    });
  }

  /** Rows of this job's committed batches where `keys` first appeared (see FIRST_ROWS_SQL). */
  async firstRows(id: string, keys: string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.prisma.rows<{ key: string; row: number }>(FIRST_ROWS_SQL, [id, pgArray(keys)]);
    return new Map(rows.map((r) => [r.key, r.row]));
  }

  /** Which of `keys` ETL has loaded before for `kind`. */
  async knownRefs(kind: EtlKind, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<Array<{ external_id: string }>>`
      SELECT external_id FROM etl_known_ref WHERE kind = ${kind} AND external_id = ANY(${pgArray(keys)}::text[])`;
    return new Set(rows.map((r) => r.external_id));
  }

  /** Final status and the EtlJobCompleted event, in one transaction. */
  async finish(id: string, status: 'done' | 'failed', failure: string | null): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const j = await tx.etlJob.update({
        where: { id },
        data: { status, failure: failure?.slice(0, 1_000) ?? null, finishedAt: new Date() },
      });
      await tx.etlJobKey.deleteMany({ where: { jobId: id } });
      await this.outbox.publish(
        tx,
        new EtlJobCompleted({
          jobId: j.id,
          kind: j.kind,
          dryRun: j.dryRun,
          status,
          rowsTotal: j.committedRows,
          rowsOk: j.rowsOk,
          rowsFailed: j.rowsFailed,
          completedAt: (j.finishedAt ?? new Date()).toISOString(),
        }),
      );
    });
    this.outbox.kick();
  }
}

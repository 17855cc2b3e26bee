import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Bull from 'bull';
import { QueueFactory, STALLED_TOO_OFTEN, type Env } from '@heyblue/platform';
import {
  ETL_KEY_COLUMN,
  ETL_PARENT_KINDS,
  ETL_PARENTS,
  missingColumns,
  type EtlKind,
} from '../domain/etl-kinds.js';
import { parentRef, rowKey, validateRow, type EtlRow } from '../domain/row-rules.js';
import { ETL_QUEUE } from '../etl.constants.js';
import { CatalogueWriter } from './catalogue-writer.js';
import { EtlJobsRepository, type EtlJobRecord, type RowError } from './etl-jobs.repository.js';
import { MalformedFile, readRecords, sniffFile, type FileRecord } from './record-reader.js';

/** Thrown between batches when the instance shuts down: bull retries the job later, from the resume point. */
class Interrupted extends Error {}

/** A batch validated and checked for duplicates, ready to load. */
interface PreparedBatch {
  errors: RowError[];
  seen: Array<{ key: string; row: number }>;
  valid: Array<{ n: number; row: EtlRow }>;
}

/** A batch on its way: `prepared` once validated and checked for duplicates, `written` once upserted, `done` once committed. */
interface InFlight {
  prepared: Promise<void>;
  written: Promise<void>;
  done: Promise<void>;
  /** Its rows' first occurrences (key → row), known once prepared; dropped once committed (then the database has them). */
  keys: Map<string, number>;
}

/**
 * The bull worker of upload jobs. At-least-once safe: rows before the committed resume
 * point are read but not processed again, batches commit with a compare-and-set on the
 * resume point, and the upserts themselves are idempotent.
 */
@Injectable()
export class EtlUploadProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EtlUploadProcessor');
  private stopping = false;

  constructor(
    private readonly queues: QueueFactory,
    private readonly jobs: EtlJobsRepository,
    private readonly writer: CatalogueWriter,
    private readonly config: ConfigService<Env, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.get('ETL_WORKER_ENABLED', { infer: true })) return;
    const concurrency = this.config.get('ETL_WORKER_CONCURRENCY', { infer: true });
    const queue = this.queues.get(ETL_QUEUE);
    // Bull gives up a job whose worker stalled (died or starved past its lock) more often than
    // maxStalledCount without calling run() again: without this the upload would stay `running`.
    queue.on('failed', (job: Bull.Job<{ jobId: string }> | null, err: Error | undefined) => {
      if (job && err?.message === STALLED_TOO_OFTEN) void this.giveUpStalled(job.data.jobId);
    });
    void queue.process(concurrency, (job: Bull.Job<{ jobId: string }>) =>
      this.run(job.data.jobId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1)),
    );
  }

  private async giveUpStalled(jobId: string): Promise<void> {
    try {
      const job = await this.jobs.find(jobId);
      if (!job || job.status === 'done' || job.status === 'failed') return;
      this.logger.error({ jobId }, 'etl upload given up: its worker stopped too often');
      await this.jobs.finish(
        jobId,
        'failed',
        'gave up: the worker loading this file stopped (crashed or stalled) too often; upload it again',
      );
      await rm(job.filePath, { force: true });
    } catch (err) {
      this.logger.error({ jobId, err: (err as Error).message }, 'could not mark a stalled etl upload failed');
    }
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }

  /** `lastAttempt`: bull will not retry, so an unexpected error fails the job for good. */
  async run(jobId: string, lastAttempt = false): Promise<void> {
    const job = await this.jobs.find(jobId);
    if (!job || job.status === 'done' || job.status === 'failed') return;
    await this.jobs.markRunning(jobId);
    try {
      await this.load(job);
      await this.jobs.finish(jobId, 'done', null);
      await rm(job.filePath, { force: true });
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      if (err instanceof MalformedFile) {
        this.logger.warn({ jobId, err: err.message }, 'etl upload unreadable');
        await this.jobs.finish(jobId, 'failed', err.message);
        await rm(job.filePath, { force: true });
        return;
      }
      if (lastAttempt) {
        this.logger.error({ jobId, err: (err as Error).message }, 'etl upload gave up');
        await this.jobs
          .finish(jobId, 'failed', `gave up after repeated errors: ${(err as Error).message}`)
          .catch(() => undefined);
        await rm(job.filePath, { force: true });
      }
      throw err;
    }
  }

  private async load(job: EtlJobRecord): Promise<void> {
    const shape = await sniffFile(job.filePath);
    if (!shape) throw new MalformedFile('the file is empty');
    if (shape.header) {
      const missing = missingColumns(job.kind, shape.header);
      if (missing.length > 0)
        throw new MalformedFile(`the header lacks required columns: ${missing.join(', ')}`);
    }
    const batchSize = this.config.get('ETL_BATCH_SIZE', { infer: true });
    const pauseMs = this.config.get('ETL_BATCH_PAUSE_MS', { infer: true });
    const { records, bytesRead } = readRecords(job.filePath, shape);
    let committed = job.committedRows;
    let batch: FileRecord[] = [];
    // A pipeline of up to three batches: while batch N is written, batch N+1 is validated
    // and checked for duplicates, and batch N-1 commits. Writes run in file order, one at a
    // time, and commits too (compare-and-set on the resume point). A batch's duplicate check
    // sees the keys of every batch not yet committed from memory and committed ones from the
    // database. A crash re-runs every uncommitted batch from the resume point; the upserts
    // are idempotent and uncommitted keys were never stored, so nothing is counted twice.
    const uncommitted: InFlight[] = [];
    let last: InFlight | undefined;
    const start = (records: FileRecord[]): InFlight => {
      const before = last;
      // The batches whose keys this one must see from memory: those not committed now. One
      // that commits meanwhile is in the database by the time the check queries it.
      const pending = uncommitted.map((b) => b.keys);
      const keys = new Map<string, number>();
      const prepared = (async () => {
        await before?.prepared;
        return this.prepareBatch(job, records, pending, keys);
      })();
      const written = (async () => {
        const batchPlan = await prepared;
        await before?.written;
        return this.writeBatch(job, batchPlan);
      })();
      const done = (async () => {
        const outcome = await written;
        await before?.done;
        const lastRow = records[records.length - 1]!.n;
        const ok = await this.jobs.commitBatch(job.id, committed, {
          ...outcome,
          committedRows: lastRow,
          bytesRead: bytesRead(),
        });
        if (!ok) throw new Interrupted('another worker moved this job on');
        committed = lastRow;
        if (this.stopping) throw new Interrupted('shutting down');
        if (pauseMs > 0) await sleep(pauseMs);
      })();
      const flight: InFlight = {
        prepared: prepared.then(() => undefined),
        written: written.then(() => undefined),
        done,
        keys,
      };
      // All are awaited below; these only keep a failure from counting as unhandled meanwhile.
      for (const p of [flight.prepared, flight.written, flight.done]) p.catch(() => undefined);
      void done.then(
        () => uncommitted.splice(uncommitted.indexOf(flight), 1),
        () => undefined,
      );
      uncommitted.push(flight);
      last = flight;
      return flight;
    };
    const next = async (records: FileRecord[]) => {
      // At most three batches between reading and committing (memory stays bounded); a
      // failure anywhere stops reading at once.
      while (uncommitted.length >= 3) await Promise.race(uncommitted.map((b) => b.done));
      start(records);
    };
    try {
      for await (const record of records) {
        if (record.n <= committed) continue; // committed in an earlier run
        batch.push(record);
        if (batch.length >= batchSize) {
          await next(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await next(batch);
    } finally {
      // Never leave a batch running behind the caller's back (errors surface here or above).
      for (const b of [...uncommitted]) await b.done.catch(() => undefined);
    }
    await last?.done;
  }

  /** Validation and the duplicate check: what `writeBatch` loads and what it reports. */
  private async prepareBatch(
    job: EtlJobRecord,
    batch: FileRecord[],
    pending: Array<Map<string, number>>,
    keys: Map<string, number>,
  ): Promise<PreparedBatch> {
    const errors: RowError[] = [];
    const candidates: Array<{ n: number; row: EtlRow; key: string }> = [];
    for (const rec of batch) {
      if (rec.problem) {
        errors.push({ row: rec.n, field: '(row)', message: rec.problem });
        continue;
      }
      const result = validateRow(job.kind, rec.values);
      if (!result.ok) {
        errors.push(...result.errors.map((e) => ({ row: rec.n, ...e })));
        continue;
      }
      candidates.push({ n: rec.n, row: result.row, key: rowKey(result.row).toLowerCase() });
    }

    // Duplicates: against earlier batches (committed ones in the database, so memory stays
    // flat and a resumed job still sees them; uncommitted ones from memory) and within this batch.
    const firstRow = await this.jobs.firstRows(job.id, [...new Set(candidates.map((c) => c.key))]);
    for (const c of candidates) {
      if (firstRow.has(c.key)) continue;
      for (const earlier of pending) {
        const row = earlier.get(c.key);
        if (row !== undefined) {
          firstRow.set(c.key, row);
          break;
        }
      }
    }
    const seen: Array<{ key: string; row: number }> = [];
    const valid: Array<{ n: number; row: EtlRow }> = [];
    for (const c of candidates) {
      const first = firstRow.get(c.key);
      if (first !== undefined && first !== c.n) {
        errors.push({ row: c.n, field: ETL_KEY_COLUMN[job.kind], message: `duplicates row ${first}` });
        continue;
      }
      firstRow.set(c.key, c.n);
      seen.push({ key: c.key, row: c.n });
      keys.set(c.key, c.n);
      valid.push({ n: c.n, row: c.row });
    }
    return { errors, seen, valid };
  }

  /** Loads the prepared rows through the owning context (nothing in a dry run) and sums up the batch. */
  private async writeBatch(job: EtlJobRecord, prepared: PreparedBatch) {
    const { errors, seen, valid } = prepared;
    const parent = ETL_PARENTS[job.kind];
    let loadable = valid;
    if (job.dryRun && parent) {
      // A dry run writes nothing, so parents must be known from earlier ETL loads.
      const known = await this.jobs.knownRefs(parent.kind, [...new Set(valid.map((v) => parentRef(v.row)!))]);
      loadable = [];
      for (const v of valid) {
        if (known.has(parentRef(v.row)!)) loadable.push(v);
        else
          errors.push({
            row: v.n,
            field: parent.column,
            message: 'refers to an unknown parent (load it first)',
          });
      }
    }

    const loadedKeys: string[] = [];
    if (job.dryRun) {
      loadedKeys.push(...loadable.map((v) => rowKey(v.row)));
    } else {
      const results = await this.writer.writeBatch(
        job.kind,
        loadable.map((v) => v.row),
      );
      results.forEach((fieldErrors, j) => {
        const v = loadable[j]!;
        if (fieldErrors) errors.push(...fieldErrors.map((e) => ({ row: v.n, ...e })));
        else loadedKeys.push(rowKey(v.row));
      });
    }
    const failedRows = new Set(errors.map((e) => e.row)).size;
    return {
      ok: loadedKeys.length,
      errors,
      failedRows,
      // Only parents' keys are remembered: nothing refers to an offer, so a million offers
      // need no million known-ref rows.
      loaded:
        job.dryRun || !ETL_PARENT_KINDS.has(job.kind)
          ? null
          : { kind: job.kind as EtlKind, keys: loadedKeys },
      seen,
    };
  }
}

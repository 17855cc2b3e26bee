import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import {
  DomainError,
  NotFound,
  QueueFactory,
  ValidationFailed,
  toCsv,
  withTimeout,
  type Env,
} from '@heyblue/platform';
import { IamApi, type AuditActor } from '@heyblue/iam';
import { ETL_KINDS, isEtlKind, missingColumns, type EtlKind } from '../domain/etl-kinds.js';
import { ETL_QUEUE, etlBullJobId } from '../etl.constants.js';
import { EtlJobsRepository } from '../infrastructure/etl-jobs.repository.js';
import { MalformedFile, sniffFile } from '../infrastructure/record-reader.js';

/** Content types browsers and tools send for CSV, JSON and NDJSON files. */
const ACCEPTED_TYPES = new Set([
  'text/csv',
  'application/csv',
  'text/x-csv',
  'application/vnd.ms-excel',
  'text/plain',
  'application/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/octet-stream',
]);

/** Receives uploads (streamed to disk), queues them, and answers job status and error reports. */
@Injectable()
export class EtlUploadsService {
  constructor(
    private readonly jobs: EtlJobsRepository,
    private readonly queues: QueueFactory,
    private readonly iam: IamApi,
    private readonly config: ConfigService<Env, true>,
  ) {}

  private uploadDir(): string {
    return this.config.get('ETL_UPLOAD_DIR', { infer: true }) || join(tmpdir(), 'heyblue-etl');
  }

  async upload(req: FastifyRequest, actor: AuditActor): Promise<{ jobId: string }> {
    if (!req.isMultipart())
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Expected multipart/form-data with a file part.', 415);
    const jobId = randomUUID();
    const dir = this.uploadDir();
    await mkdir(dir, { recursive: true });
    const filePath = join(dir, `${jobId}.upload`);
    const fields: Record<string, string> = {};
    let fileName: string | null = null;
    try {
      const maxBytes = this.config.get('ETL_MAX_UPLOAD_BYTES', { infer: true });
      for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10 } })) {
        if (part.type === 'file') {
          const mimetype = part.mimetype.split(';')[0]!.trim().toLowerCase();
          if (part.fieldname !== 'file' || !ACCEPTED_TYPES.has(mimetype)) {
            part.file.resume();
            if (part.fieldname !== 'file')
              throw new ValidationFailed([
                { field: part.fieldname, message: 'the upload goes in the field "file"' },
              ]);
            throw new DomainError(
              'UNSUPPORTED_MEDIA_TYPE',
              `Files of type ${mimetype} are not accepted; send CSV, a JSON array or NDJSON.`,
              415,
            );
          }
          await pipeline(part.file, createWriteStream(filePath));
          if (part.file.truncated)
            throw new DomainError('PAYLOAD_TOO_LARGE', 'The uploaded file is too large.', 413);
          fileName = (part.filename || 'upload').slice(0, 200);
        } else {
          fields[part.fieldname] = String(part.value ?? '');
        }
      }
      const { kind, dryRun } = this.readFields(fields, fileName);
      const size = (await stat(filePath)).size;
      const shape =
        size > 0
          ? await sniffFile(filePath).catch((err: unknown) => {
              if (err instanceof MalformedFile)
                throw new DomainError('UNREADABLE_FILE', `The file cannot be read: ${err.message}.`, 400);
              throw err;
            })
          : null;
      if (!shape) throw new DomainError('EMPTY_FILE', 'The file is empty.', 400);
      if (shape.header) {
        const missing = missingColumns(kind, shape.header);
        if (missing.length > 0) {
          throw new DomainError(
            'MISSING_COLUMNS',
            `The header lacks required columns for ${kind}: ${missing.join(', ')}.`,
            400,
            {
              errors: missing.map((m) => ({ field: m, message: 'column is missing from the header' })),
            },
          );
        }
      }
      await this.jobs.create({
        id: jobId,
        kind,
        dryRun,
        format: shape.format,
        fileName: fileName!,
        filePath,
        bytesTotal: size,
        createdBy: actor.accountId,
      });
      await withTimeout(
        this.queues.get(ETL_QUEUE).add(
          { jobId },
          {
            jobId: etlBullJobId(jobId),
            attempts: 10,
            backoff: { type: 'fixed', delay: 1_000 },
            removeOnComplete: 1_000,
            removeOnFail: 1_000,
          },
        ),
        5_000,
        'queue unavailable',
      );
      await this.iam.recordAdminAction(actor, 'etl_upload', jobId, {
        kind,
        dryRun,
        fileName,
        bytes: size,
        format: shape.format,
      });
      return { jobId };
    } catch (err) {
      await rm(filePath, { force: true });
      throw err;
    }
  }

  private readFields(
    fields: Record<string, string>,
    fileName: string | null,
  ): { kind: EtlKind; dryRun: boolean } {
    const errors: Array<{ field: string; message: string }> = [];
    if (fileName === null) errors.push({ field: 'file', message: 'a file is required' });
    const kind = (fields.kind ?? '').trim().toLowerCase();
    if (!isEtlKind(kind)) errors.push({ field: 'kind', message: `must be one of ${ETL_KINDS.join(', ')}` });
    const dry = (fields.dryRun ?? 'false').trim().toLowerCase();
    if (!['true', 'false', '1', '0', ''].includes(dry))
      errors.push({ field: 'dryRun', message: 'must be true or false' });
    const unknown = Object.keys(fields).filter((f) => f !== 'kind' && f !== 'dryRun');
    for (const f of unknown) errors.push({ field: f, message: 'is not an accepted field' });
    if (errors.length > 0) throw new ValidationFailed(errors);
    return { kind: kind as EtlKind, dryRun: dry === 'true' || dry === '1' };
  }

  async status(id: string, actor: AuditActor) {
    const view = isUUID(id) ? await this.jobs.view(id) : null;
    if (!view) throw new NotFound('ETL job', 'ETL_JOB_NOT_FOUND');
    await this.iam.recordAdminAction(actor, 'etl_job_viewed', id, null);
    return view;
  }

  /** Every rejected row as formula-safe CSV, streamed page by page. */
  async errorReport(id: string, actor: AuditActor): Promise<Readable> {
    const job = isUUID(id) ? await this.jobs.find(id) : null;
    if (!job) throw new NotFound('ETL job', 'ETL_JOB_NOT_FOUND');
    await this.iam.recordAdminAction(actor, 'etl_errors_downloaded', id, null);
    const jobs = this.jobs;
    return Readable.from(
      (async function* () {
        yield toCsv([['row', 'field', 'message']]);
        for await (const e of jobs.allErrors(id)) yield toCsv([[e.row, e.field, e.message]]);
      })(),
    );
  }
}

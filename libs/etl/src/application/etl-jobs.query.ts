import { Injectable } from '@nestjs/common';
import { decodeTimeIdCursor, toPage, type Page } from '@heyblue/platform';
import { IamApi, type AuditActor } from '@heyblue/iam';
import { jobCounts } from '../domain/job-progress.js';
import { EtlJobsReader } from '../infrastructure/etl-jobs.reader.js';

export interface EtlJobSummary {
  jobId: string;
  kind: string;
  fileName: string;
  dryRun: boolean;
  status: string;
  progress: number;
  rowsTotal: number;
  rowsOk: number;
  rowsFailed: number;
  createdAt: string;
}

/** Recent upload jobs for the dashboard, newest first; audited like ETL's other reads. */
@Injectable()
export class EtlJobsQuery {
  constructor(
    private readonly reader: EtlJobsReader,
    private readonly iam: IamApi,
  ) {}

  async recent(q: { limit: number; cursor?: string }, actor: AuditActor): Promise<Page<EtlJobSummary>> {
    const rows = await this.reader.recent(q.limit + 1, decodeTimeIdCursor(q.cursor));
    await this.iam.recordAdminAction(actor, 'etl_jobs_listed', null, null);
    return toPage(
      rows,
      q.limit,
      (j) => ({
        jobId: j.id,
        kind: j.kind,
        fileName: j.fileName,
        dryRun: j.dryRun,
        ...jobCounts(j),
        createdAt: j.createdAt.toISOString(),
      }),
      (j) => [j.createdAt.toISOString(), j.id],
    );
  }
}

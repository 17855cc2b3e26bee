import { IntegrationEvent } from '@heyblue/platform';

export interface EtlJobCompletedPayload {
  jobId: string;
  kind: string;
  dryRun: boolean;
  /** done, or failed when the file could not be read to the end. */
  status: 'done' | 'failed';
  rowsTotal: number;
  rowsOk: number;
  rowsFailed: number;
  completedAt: string;
}

/** An ETL upload job finished (successfully or not). */
export class EtlJobCompleted extends IntegrationEvent<EtlJobCompletedPayload> {
  static readonly type = 'EtlJobCompleted';
  static readonly version = 1;
}

import { Injectable } from '@nestjs/common';
import { ReadReplicas } from '@heyblue/platform';

/**
 * The admin list of upload jobs over ETL's own table, newest first by (createdAt, id). It may lag
 * by a second (from a replica when one is in rotation); one job's progress (GET jobs/:id) is read
 * on the primary.
 */
@Injectable()
export class EtlJobsReader {
  constructor(private readonly replicas: ReadReplicas) {}

  recent(take: number, after: { at: Date; id: string } | null) {
    return this.replicas.read((db) =>
      db.etlJob.findMany({
        where: after
          ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] }
          : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take,
        select: {
          id: true,
          kind: true,
          fileName: true,
          dryRun: true,
          status: true,
          bytesRead: true,
          bytesTotal: true,
          committedRows: true,
          rowsOk: true,
          rowsFailed: true,
          createdAt: true,
        },
      }),
    );
  }
}

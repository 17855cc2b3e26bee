import { Injectable } from '@nestjs/common';
import { PrismaService } from '@heyblue/platform';

/** The admin list of upload jobs over ETL's own table, newest first by (createdAt, id). */
@Injectable()
export class EtlJobsReader {
  constructor(private readonly prisma: PrismaService) {}

  recent(take: number, after: { at: Date; id: string } | null) {
    return this.prisma.etlJob.findMany({
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
    });
  }
}

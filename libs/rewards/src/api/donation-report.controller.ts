import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, Auth, type AuditActor, Audited } from '@heyblue/iam';
import { toCsv } from '@heyblue/platform';
import { DonationReport, type DonationReportRow } from '../infrastructure/donation-report.js';
import { DonationReportQueryDto } from './dto/requests.dto.js';
import { DonationReportDto } from './dto/responses.dto.js';

/** Charity payouts: donated points and their money value per charity and period (until Reporting generalises reports). */
@ApiTags('admin')
@Controller('admin/reports')
export class DonationReportController {
  constructor(private readonly report: DonationReport) {}

  @Get('donations')
  @Audited('report_viewed')
  @Auth('admin')
  @ApiOperation({
    summary: 'Donated points and USD value per charity per period (`Accept: text/csv` for CSV)',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: DonationReportDto })
  async donations(
    @Query() q: DonationReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Actor() actor: AuditActor,
  ): Promise<{ rows: DonationReportRow[] } | string> {
    const csv = accept?.includes('text/csv') ?? false;
    const rows = await this.report.viewByCharity(
      { groupBy: q.groupBy, ...q.window() },
      actor,
      csv ? 'csv' : 'json',
    );
    if (csv) {
      void reply.header('content-type', 'text/csv; charset=utf-8');
      return toCsv([
        ['period', 'key', 'charity', 'value', 'amountUsd'],
        ...rows.map((r) => [r.period, r.key, r.charity, r.value, r.amountUsd]),
      ]);
    }
    return { rows };
  }
}

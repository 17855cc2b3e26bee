import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, Auth, type AuditActor, Audited } from '@heyblue/iam';
import { ReportsService } from '../application/reports.service.js';
import {
  RefreshRollupsDto,
  RefreshScheduledDto,
  ReportDto,
  ReportMetricParam,
  ReportQueryDto,
  ReportRangeQueryDto,
  ReportSummaryDto,
} from './dto/reports.dto.js';

@ApiTags('admin')
@Controller('admin/reports')
@Auth('admin')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('summary')
  @Audited('report_summary_viewed')
  @ApiOperation({
    summary:
      'KPIs for a UTC date range: active users, new users, connections, points issued/redeemed/donated',
  })
  @ApiOkResponse({ type: ReportSummaryDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: bad dates, from after to, range over two years' })
  summary(@Query() q: ReportRangeQueryDto, @Actor() actor: AuditActor) {
    return this.reports.summary(q, actor);
  }

  @Post('rollups/refresh')
  @Audited('report_rollups_refreshed')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Recompute the daily rollups of a UTC date range on the next rollup run (they also refresh as events arrive and nightly)',
  })
  @ApiAcceptedResponse({ type: RefreshScheduledDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: bad dates, from after to, range over two years' })
  refresh(@Body() body: RefreshRollupsDto, @Actor() actor: AuditActor): Promise<RefreshScheduledDto> {
    return this.reports.refresh(body, actor);
  }

  @Get(':metric')
  @Audited('report_viewed')
  @ApiOperation({
    summary: 'A metric per period (and optionally per area or charity), from de-identified event facts',
    description:
      'Days are UTC; weeks start on Monday; rollups refresh within REPORTING_ROLLUP_EVERY_MS of an event. ' +
      'connections, points (issued) and users (sign-ups); donations per charity are served by Rewards at GET /admin/reports/donations. `Accept: text/csv` answers CSV (period,key,value) whose cells cannot run as spreadsheet formulas.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: ReportDto })
  @ApiBadRequestResponse({
    description:
      'VALIDATION_FAILED: unknown metric, groupBy or by; bad dates; from after to; range over two years',
  })
  async report(
    @Param() p: ReportMetricParam,
    @Query() q: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Actor() actor: AuditActor,
  ) {
    const report = await this.reports.report(p.metric, q, actor);
    if (accept?.includes('text/csv')) {
      void reply.header('content-type', 'text/csv; charset=utf-8');
      void reply.header(
        'content-disposition',
        `attachment; filename="${report.metric}-${report.from}-${report.to}.csv"`,
      );
      return this.reports.toCsv(report.rows);
    }
    return report;
  }
}

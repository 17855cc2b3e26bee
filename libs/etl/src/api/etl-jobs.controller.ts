import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '@heyblue/platform';
import { Actor, Auth, type AuditActor } from '@heyblue/iam';
import { EtlJobsQuery } from '../application/etl-jobs.query.js';
import { EtlJobPageDto } from './dto/etl-jobs-list.dto.js';

@ApiTags('admin')
@Controller('admin/etl')
@Auth('admin')
export class EtlJobsController {
  constructor(private readonly jobs: EtlJobsQuery) {}

  @Get('jobs')
  @ApiOperation({ summary: 'Recent upload jobs, newest first: kind, file, status, progress and counts (rejected rows: GET /admin/etl/jobs/{id})' })
  @ApiOkResponse({ type: EtlJobPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: limit or cursor' })
  recent(@Query() q: PageQueryDto, @Actor() actor: AuditActor): Promise<EtlJobPageDto> {
    return this.jobs.recent(q, actor);
  }
}

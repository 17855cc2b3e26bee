import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '@heyblue/platform';
import { Actor, Auth, type AuditActor, Audited } from '@heyblue/iam';
import { EtlJobsQuery } from '../application/etl-jobs.query.js';
import { EtlKindsQuery } from '../application/etl-kinds.query.js';
import { EtlJobPageDto, EtlKindsDto } from './dto/etl-jobs-list.dto.js';

@ApiTags('admin')
@Controller('admin/etl')
@Auth('admin')
export class EtlJobsController {
  constructor(
    private readonly jobs: EtlJobsQuery,
    private readonly kindsQuery: EtlKindsQuery,
  ) {}

  @Get('jobs')
  @Audited('etl_jobs_listed')
  @ApiOperation({
    summary:
      'Recent upload jobs, newest first: kind, file, status, progress and counts (rejected rows: GET /admin/etl/jobs/{id})',
  })
  @ApiOkResponse({ type: EtlJobPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: limit or cursor' })
  recent(@Query() q: PageQueryDto, @Actor() actor: AuditActor): Promise<EtlJobPageDto> {
    return this.jobs.recent(q, actor);
  }

  @Get('kinds')
  @Audited('etl_kinds_viewed')
  @ApiOperation({
    summary:
      'What can be uploaded: each kind with its required and optional columns, the kind it refers to, and the size limit',
  })
  @ApiOkResponse({ type: EtlKindsDto })
  kinds(@Actor() actor: AuditActor): Promise<EtlKindsDto> {
    return this.kindsQuery.kinds(actor);
  }
}

import { Controller, Get, Header, HttpCode, Param, Post, Req, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Actor, Auth, type AuditActor, Audited } from '@heyblue/iam';
import { ETL_COLUMNS, ETL_KINDS } from '../domain/etl-kinds.js';
import { EtlUploadsService } from '../application/etl-uploads.service.js';
import { EtlJobAcceptedDto, EtlJobDto, EtlJobIdParam } from './dto/etl.dto.js';

const COLUMNS_DOC = ETL_KINDS.map(
  (k) => `${k}: ${[...ETL_COLUMNS[k].required, ...ETL_COLUMNS[k].optional.map((c) => `${c}?`)].join(', ')}`,
).join('; ');

@ApiTags('admin')
@Controller('admin/etl')
@Auth('admin')
export class EtlController {
  constructor(private readonly uploads: EtlUploadsService) {}

  @Post('uploads')
  @Audited('etl_upload')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Upload a CSV (`,` or `;`, optional BOM), JSON array or NDJSON file to load as a background job',
    description: `Columns per kind (header names case-insensitive; JSON uses the same keys): ${COLUMNS_DOC}. Idempotent by external_id (officers by email). Failing rows are reported and skipped.`,
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'kind'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          // Bytes: the multipart parser's own cap; ETL_MAX_UPLOAD_BYTES may set a lower one.
          maxLength: 209_715_200,
          description: 'At most ETL_MAX_UPLOAD_BYTES (200 MB by default, never more)',
        },
        kind: { type: 'string', enum: [...ETL_KINDS] },
        dryRun: { type: 'boolean', default: false, description: 'Validate and report without writing' },
      },
    },
  })
  @ApiAcceptedResponse({ type: EtlJobAcceptedDto })
  @ApiBadRequestResponse({
    description:
      'VALIDATION_FAILED (kind, dryRun, file), EMPTY_FILE, MISSING_COLUMNS, UNREADABLE_FILE (not UTF-8 text: binary, UTF-16, Latin-1)',
  })
  @ApiPayloadTooLargeResponse({
    description: 'PAYLOAD_TOO_LARGE (over ETL_MAX_UPLOAD_BYTES, 200 MB by default)',
  })
  @ApiUnsupportedMediaTypeResponse({
    description: 'UNSUPPORTED_MEDIA_TYPE: not multipart, or a file that is not CSV/JSON/NDJSON',
  })
  upload(@Req() req: FastifyRequest, @Actor() actor: AuditActor): Promise<EtlJobAcceptedDto> {
    return this.uploads.upload(req, actor);
  }

  @Get('jobs/:id')
  @Audited('etl_job_viewed')
  @ApiOperation({ summary: 'Status, progress, counts and the first 100 rejected rows of an upload job' })
  @ApiOkResponse({ type: EtlJobDto })
  @ApiNotFoundResponse({ description: 'ETL_JOB_NOT_FOUND' })
  status(@Param() p: EtlJobIdParam, @Actor() actor: AuditActor) {
    return this.uploads.status(p.id, actor);
  }

  @Get('jobs/:id/errors.csv')
  @Audited('etl_errors_downloaded')
  @Header('content-type', 'text/csv; charset=utf-8')
  @ApiOperation({
    summary: 'Every rejected row with its reason, as CSV (row, field, message); cells are formula-safe',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with header row,field,message', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'ETL_JOB_NOT_FOUND' })
  async errors(@Param() p: EtlJobIdParam, @Actor() actor: AuditActor): Promise<StreamableFile> {
    const stream = await this.uploads.errorReport(p.id, actor);
    return new StreamableFile(stream, {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="etl-${p.id}-errors.csv"`,
    });
  }
}

import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, Audited, Auth, type AuditActor } from '@heyblue/iam';
import { toCsv, type Page } from '@heyblue/platform';
import {
  RetailerKeys,
  type RetailerKeyView,
  type RetailerListItem,
} from '../infrastructure/retailer-keys.js';
import { RetailerStatement, type RetailerStatementRow } from '../infrastructure/retailer-statement.js';
import {
  ReportWindowQueryDto,
  RetailerIdParam,
  RetailerKeyIdParam,
  RetailerSearchQueryDto,
} from './dto/requests.dto.js';
import {
  IssuedRetailerKeyDto,
  RetailerKeyListDto,
  RetailerPageDto,
  RetailerStatementDto,
} from './dto/responses.dto.js';

/** Retailers, their `X-Retailer-Key`s and their affiliate statement, for admins. Every call is audited. */
@ApiTags('admin')
@Controller('admin')
@Auth('admin')
export class AdminRetailersController {
  constructor(
    private readonly keys: RetailerKeys,
    private readonly statement: RetailerStatement,
  ) {}

  @Get('retailers')
  @Audited('retailers_viewed')
  @ApiOperation({ summary: 'Retailers by name, optionally matching `q` (name or external id)' })
  @ApiOkResponse({ type: RetailerPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (limit, cursor, q too long)' })
  retailers(@Query() q: RetailerSearchQueryDto, @Actor() actor: AuditActor): Promise<Page<RetailerListItem>> {
    return this.keys.search({ q: q.q, limit: q.limit, cursor: q.cursor }, actor);
  }

  @Get('retailers/:id/keys')
  @Audited('retailer_keys_viewed')
  @ApiOperation({ summary: "A retailer's keys, newest first: prefix and dates, never the key" })
  @ApiOkResponse({ type: RetailerKeyListDto })
  @ApiNotFoundResponse({ description: 'RETAILER_NOT_FOUND' })
  listKeys(@Param() p: RetailerIdParam, @Actor() actor: AuditActor): Promise<{ items: RetailerKeyView[] }> {
    return this.keys.keys(p.id, actor);
  }

  @Post('retailers/:id/keys')
  @HttpCode(201)
  @Audited('retailer_key_issued')
  @ApiOperation({ summary: 'Issue a new X-Retailer-Key: the key is in this answer only (stored as SHA-256)' })
  @ApiCreatedResponse({ type: IssuedRetailerKeyDto })
  @ApiNotFoundResponse({ description: 'RETAILER_NOT_FOUND' })
  async issueKey(
    @Param() p: RetailerIdParam,
    @Actor() actor: AuditActor,
  ): Promise<{ id: string; key: string }> {
    const { id, key } = await this.keys.issue({ id: p.id }, actor);
    return { id, key };
  }

  @Delete('retailer-keys/:keyId')
  @HttpCode(204)
  @Audited('retailer_key_revoked')
  @ApiOperation({
    summary:
      'Revoke a key: it answers 401 RETAILER_KEY_INVALID at once on every instance (read on every call, no cache); a repeat changes nothing',
  })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiNotFoundResponse({ description: 'RETAILER_KEY_NOT_FOUND' })
  async revokeKey(@Param() p: RetailerKeyIdParam, @Actor() actor: AuditActor): Promise<void> {
    await this.keys.revoke(p.keyId, actor);
  }

  @Get('reports/retailers')
  @Audited('report_viewed')
  @ApiOperation({
    summary:
      'The affiliate statement: per retailer, vouchers issued, used and expired and points spent in [from, to) (`Accept: text/csv` for CSV)',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: RetailerStatementDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (from/to not dates, from not before to)' })
  async report(
    @Query() q: ReportWindowQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Actor() actor: AuditActor,
  ): Promise<{ rows: RetailerStatementRow[] } | string> {
    const csv = accept?.includes('text/csv') ?? false;
    const rows = await this.statement.view(q.window(), actor, csv ? 'csv' : 'json');
    if (!csv) return { rows };
    void reply.header('content-type', 'text/csv; charset=utf-8');
    return toCsv([
      ['retailerId', 'externalId', 'name', 'issued', 'used', 'expired', 'pointsSpent', 'pointsUsed'],
      ...rows.map((r) => [
        r.retailerId,
        r.externalId,
        r.name,
        r.issued,
        r.used,
        r.expired,
        r.pointsSpent,
        r.pointsUsed,
      ]),
    ]);
  }
}

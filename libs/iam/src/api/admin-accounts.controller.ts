import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminAccountsQuery } from '../application/admin-accounts.query.js';
import { Audited } from './audited.decorator.js';
import { Actor, Auth, type AuditActor } from './auth.decorators.js';
import { AccountIdParam } from './dto/auth.dto.js';
import { AccountSearchQueryDto, AdminAccountDto, AdminAccountListDto } from './dto/admin-accounts.dto.js';

@ApiTags('admin')
@Controller('admin/accounts')
@Auth('admin')
export class AdminAccountsController {
  constructor(private readonly accounts: AdminAccountsQuery) {}

  @Get()
  @Audited('accounts_searched')
  @ApiOperation({ summary: 'Accounts with exactly this e-mail (blind index; no partial search)' })
  @ApiOkResponse({ type: AdminAccountListDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: email missing or not an e-mail address' })
  search(@Query() q: AccountSearchQueryDto, @Actor() viewer: AuditActor): Promise<AdminAccountListDto> {
    return this.accounts.byEmail(q.email, viewer);
  }

  @Get(':id')
  @Audited('account_viewed')
  @ApiOperation({ summary: 'One account: role, status, creation time, display name' })
  @ApiOkResponse({ type: AdminAccountDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: id is not a UUID' })
  @ApiNotFoundResponse({ description: 'ACCOUNT_NOT_FOUND' })
  get(@Param() p: AccountIdParam, @Actor() viewer: AuditActor): Promise<AdminAccountDto> {
    return this.accounts.byId(p.id, viewer);
  }
}

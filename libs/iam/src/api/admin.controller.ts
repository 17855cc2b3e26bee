import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { AuthenticatedAccount } from '../domain/account.js';
import { AdminService } from '../application/admin.service.js';
import type { RequestMeta } from '../application/request-meta.js';
import { Audited } from './audited.decorator.js';
import { Actor, Auth, CurrentAccount, type AuditActor } from './auth.decorators.js';
import { Meta } from './request-meta.decorator.js';
import {
  AccountIdParam,
  AuditPageDto,
  AuditQueryDto,
  ChangeRoleDto,
  SessionAccountDto,
} from './dto/auth.dto.js';

@ApiTags('admin')
@Controller('admin')
@Auth('admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('accounts/:id/role')
  @HttpCode(200)
  @Audited('role_changed')
  @ApiOperation({ summary: 'Change an account’s role' })
  @ApiOkResponse({ type: SessionAccountDto })
  @ApiNotFoundResponse({ description: 'ACCOUNT_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({ description: 'OWN_ACCOUNT: admins cannot change or suspend themselves' })
  changeRole(
    @Param() p: AccountIdParam,
    @Body() body: ChangeRoleDto,
    @CurrentAccount() actor: AuthenticatedAccount,
    @Meta() meta: RequestMeta,
  ) {
    return this.admin.changeRole(actor, p.id, body.role, meta);
  }

  @Post('accounts/:id/suspend')
  @HttpCode(200)
  @Audited('account_suspended')
  @ApiOperation({ summary: 'Suspend an account: its sessions end at once and it cannot sign in again' })
  @ApiOkResponse({
    schema: {
      properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['suspended'] } },
    },
  })
  @ApiNotFoundResponse({ description: 'ACCOUNT_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({ description: 'OWN_ACCOUNT: admins cannot change or suspend themselves' })
  suspend(
    @Param() p: AccountIdParam,
    @CurrentAccount() actor: AuthenticatedAccount,
    @Meta() meta: RequestMeta,
  ) {
    return this.admin.suspend(actor, p.id, meta);
  }

  @Post('accounts/:id/unsuspend')
  @HttpCode(200)
  @Audited('account_unsuspended')
  @ApiOperation({
    summary:
      'Lift a suspension: the account may sign in again (sessions the suspension ended stay ended); a repeat changes nothing',
  })
  @ApiOkResponse({
    schema: {
      properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['active'] } },
    },
  })
  @ApiNotFoundResponse({ description: 'ACCOUNT_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({ description: 'OWN_ACCOUNT: admins cannot change or suspend themselves' })
  unsuspend(
    @Param() p: AccountIdParam,
    @CurrentAccount() actor: AuthenticatedAccount,
    @Meta() meta: RequestMeta,
  ) {
    return this.admin.unsuspend(actor, p.id, meta);
  }

  @Get('audit')
  @Audited('audit_viewed')
  @ApiOperation({
    summary:
      'Audit trail, newest first, filtered on indexed columns: actor (account, retailer key id or CLI OS user), action, target, from/to. ' +
      'Every state change and every admin read of personal or location data has an entry; reading the trail is one too.',
  })
  @ApiOkResponse({ type: AuditPageDto })
  audit(@Query() q: AuditQueryDto, @Actor() viewer: AuditActor): Promise<AuditPageDto> {
    return this.admin.listAudit(q, viewer);
  }
}

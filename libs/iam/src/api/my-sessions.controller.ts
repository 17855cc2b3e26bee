import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { RateLimit } from '@heyblue/platform';
import type { AuthenticatedAccount } from '../domain/account.js';
import type { RequestMeta } from '../application/request-meta.js';
import { EndMySessionHandler } from '../application/end-my-session/end-my-session.handler.js';
import { ListMySessionsQuery } from '../application/list-my-sessions/list-my-sessions.query.js';
import { Audited } from './audited.decorator.js';
import { Auth, CurrentAccount } from './auth.decorators.js';
import { Meta } from './request-meta.decorator.js';
import { MySessionDto } from './dto/auth.dto.js';

@ApiTags('auth')
@Controller('me/sessions')
@Auth()
export class MySessionsController {
  constructor(
    private readonly list: ListMySessionsQuery,
    private readonly end: EndMySessionHandler,
  ) {}

  @Get()
  @RateLimit({ name: 'iam-my-sessions', points: 60, durationS: 60, by: 'account' })
  @ApiOperation({ summary: 'My live sessions, newest first (at most 100), the calling one marked `current`' })
  @ApiOkResponse({ type: [MySessionDto] })
  mine(@CurrentAccount() me: AuthenticatedAccount): Promise<MySessionDto[]> {
    return this.list.execute(me);
  }

  @Delete(':id')
  @HttpCode(204)
  @Audited('session_ended')
  @RateLimit({ name: 'iam-end-session', points: 30, durationS: 60, by: 'account' })
  @ApiOperation({
    summary:
      'End one of my sessions at once: its tokens stop working and its sockets close, on every instance',
  })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid', maxLength: 36 } })
  @ApiNoContentResponse({ description: 'Ended (or had already ended)' })
  @ApiNotFoundResponse({
    description: 'SESSION_NOT_FOUND: no session of mine with that id (someone else’s included)',
  })
  async endOne(
    @CurrentAccount() me: AuthenticatedAccount,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Meta() meta: RequestMeta,
  ): Promise<void> {
    await this.end.execute(me, id, meta);
  }
}

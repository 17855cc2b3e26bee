import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadGatewayResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, Auth, type AuditActor, Audited } from '@heyblue/iam';
import { DeadLettersAdmin } from '../application/dead-letters.service.js';
import {
  DeadLetterIdParam,
  DeadLetterPageDto,
  DeadLetterQueryDto,
  ReplayAcceptedDto,
} from './dto/dead-letters.dto.js';

/** Lives in the reporting context: it is the admin back office's operations view. */
@ApiTags('admin')
@Controller('admin/dead-letters')
@Auth('admin')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersAdmin) {}

  @Get()
  @Audited('dead_letters_listed')
  @ApiOperation({
    summary:
      'Failed deliveries (event consumers, social posts), newest first; `pending=true` hides replayed ones',
  })
  @ApiOkResponse({ type: DeadLetterPageDto })
  list(@Query() q: DeadLetterQueryDto, @Actor() actor: AuditActor): Promise<DeadLetterPageDto> {
    return this.deadLetters.list(q, actor);
  }

  @Post(':id/replay')
  @Audited('dead_letter_replayed')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a dead letter through its consumer again (its dedupe still applies); audited',
  })
  @ApiAcceptedResponse({ type: ReplayAcceptedDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'ALREADY_REPLAYED' })
  @ApiBadGatewayResponse({
    description: 'REPLAY_FAILED: the delivery failed again; the dead letter stays pending',
  })
  replay(@Param() p: DeadLetterIdParam, @Actor() actor: AuditActor): Promise<ReplayAcceptedDto> {
    return this.deadLetters.replay(p.id, actor);
  }
}

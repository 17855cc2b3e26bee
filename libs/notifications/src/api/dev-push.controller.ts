import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { NotFound } from '@heyblue/platform';
import { pushRuleOf } from '../domain/push-rules.js';
import { NOTIFICATION_EVENTS } from '../notification-events.js';
import { PushOutboxStore, type KeptPush } from '../infrastructure/providers/outbox.sender.js';
import { PushSenders } from '../infrastructure/providers/push-senders.js';

export class DevPushQueryDto {
  @ApiProperty({ description: 'The device token the pushes were addressed to', maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  token!: string;
}

export class DevPushDto {
  @ApiProperty({ enum: ['fcm', 'apns'] })
  platform!: string;
  @ApiProperty()
  token!: string;
  @ApiProperty({
    enum: Object.values(NOTIFICATION_EVENTS).filter((e) => pushRuleOf(e) !== 'never'),
    example: 'connection.requested',
    description: 'The notification pushed (the socket event of the same name, see the AsyncAPI document)',
  })
  type!: string;
  @ApiProperty()
  title!: string;
  @ApiProperty()
  body!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { requestId: '…' },
  })
  data!: Record<string, string>;
  @ApiProperty({ format: 'date-time' })
  sentAt!: string;
}

/** Development mode only: pushes the outbox kept instead of sending (served at /dev/push, outside /api/v1). */
@ApiTags('dev')
@Controller('dev')
export class DevPushController {
  constructor(
    private readonly senders: PushSenders,
    private readonly kept: PushOutboxStore,
  ) {}

  @Get('push')
  @ApiOperation({ summary: 'Development mode: pushes kept for a device token, newest first' })
  @ApiOkResponse({ type: [DevPushDto] })
  push(@Query() q: DevPushQueryDto): Promise<KeptPush[]> {
    if (this.senders.adapter !== 'outbox') throw new NotFound('Route');
    return this.kept.read(q.token);
  }
}

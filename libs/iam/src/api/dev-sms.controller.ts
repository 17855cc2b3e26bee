import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@heyblue/platform';
import { IamConfig } from '../infrastructure/iam-config.js';
import { OutboxSmsAdapter } from '../infrastructure/sms/outbox-sms.adapter.js';
import { DevSmsDto, DevSmsQueryDto } from './dto/auth.dto.js';

/** Development mode only: texts the SMS outbox kept instead of sending (served at /dev/sms, outside /api/v1). */
@ApiTags('dev')
@Controller('dev')
export class DevSmsController {
  constructor(
    private readonly config: IamConfig,
    private readonly outbox: OutboxSmsAdapter,
  ) {}

  @Get('sms')
  @ApiOperation({ summary: 'Development mode: SMS kept by the outbox for a phone, newest first' })
  @ApiOkResponse({ type: [DevSmsDto] })
  sms(@Query() q: DevSmsQueryDto): Promise<DevSmsDto[]> {
    if (!this.config.devMode) throw new NotFound('Route');
    return this.outbox.read(q.phone);
  }
}

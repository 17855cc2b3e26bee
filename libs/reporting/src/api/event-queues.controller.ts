import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventLag } from '@heyblue/platform';
import { Auth, NotAudited } from '@heyblue/iam';
import { EventBacklogDto } from './dto/event-queues.dto.js';

/** The consumers' lag for the back office (beside the dead letters): lag is not an outage, readiness ignores it. */
@ApiTags('admin')
@Controller('admin/events')
@Auth('admin')
export class EventQueuesController {
  constructor(private readonly lag: EventLag) {}

  @Get('queues')
  @NotAudited('Operational counters only (queue depths and ages): no personal or location data is read')
  @ApiOperation({
    summary:
      'Consumer lag per event queue: backlog, age of the oldest waiting delivery, recent commit-to-applied lag (this instance), and the outbox backlog',
  })
  @ApiOkResponse({ type: EventBacklogDto })
  queues(): Promise<EventBacklogDto> {
    return this.lag.backlog();
  }
}

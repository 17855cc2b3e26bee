import { ApiProperty } from '@nestjs/swagger';
import type { EventBacklog, EventQueueStatus } from '@heyblue/platform';

export class RecentLagDto {
  @ApiProperty({ description: 'Median commit-to-applied lag of this instance’s recent deliveries, ms' })
  p50!: number;
  @ApiProperty({ description: '99th percentile of the same, ms' })
  p99!: number;
  @ApiProperty({ description: 'How many recent deliveries the percentiles cover (at most 2,000 per queue)' })
  samples!: number;
}

export class EventQueueStatusDto implements EventQueueStatus {
  @ApiProperty({ example: 'events.profile' })
  queue!: string;
  @ApiProperty()
  waiting!: number;
  @ApiProperty()
  active!: number;
  @ApiProperty({ description: 'Deliveries waiting to be retried (backoff)' })
  delayed!: number;
  @ApiProperty({ description: 'Failed jobs bull keeps (each failed delivery is also a dead letter)' })
  failed!: number;
  @ApiProperty({ description: 'Age of the oldest waiting delivery, seconds (0 when none waits)' })
  oldestWaitingSeconds!: number;
  @ApiProperty({ type: RecentLagDto, nullable: true })
  recentLagMs!: RecentLagDto | null;
}

export class OutboxBacklogDto {
  @ApiProperty({ description: 'Events committed and not yet handed to the queues' })
  pending!: number;
  @ApiProperty({ description: 'Age of the oldest of them, seconds' })
  oldestPendingSeconds!: number;
}

export class EventBacklogDto implements EventBacklog {
  @ApiProperty({ type: OutboxBacklogDto })
  outbox!: OutboxBacklogDto;
  @ApiProperty({ type: [EventQueueStatusDto] })
  queues!: EventQueueStatusDto[];
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto, type Page } from '@heyblue/platform';

export class DeadLetterQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only dead letters not yet replayed' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  pending?: boolean;
}

export class DeadLetterIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID()
  id!: string;
}

export class DeadLetterDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ description: '`event` (an integration event consumer) or a context such as `social`' })
  source!: string;
  @ApiProperty({ description: 'The handler id or adapter that failed' })
  target!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' })
  eventId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String })
  eventType!: string | null;
  @ApiProperty({ description: 'First line of the last error' })
  error!: string;
  @ApiProperty()
  attempts!: number;
  @ApiProperty({ format: 'date-time' })
  failedAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  replayedAt!: string | null;
  @ApiProperty()
  replayCount!: number;
}

export class DeadLetterPageDto implements Page<DeadLetterDto> {
  @ApiProperty({ type: [DeadLetterDto] })
  items!: DeadLetterDto[];
  @ApiPropertyOptional({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class ReplayAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: ['replayed'] })
  status!: 'replayed';
}

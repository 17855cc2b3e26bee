import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { DIMENSIONS, GROUP_BYS, MAX_RANGE_DAYS, REPORT_METRIC_NAMES } from '../../domain/report-query.js';

export class ReportRangeQueryDto {
  @ApiPropertyOptional({
    format: 'date',
    maxLength: 10,
    description: 'First UTC day, inclusive (default: 29 days before `to`)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  from?: string;

  @ApiPropertyOptional({
    format: 'date',
    maxLength: 10,
    description: `Last UTC day, inclusive (default: today); at most ${MAX_RANGE_DAYS} days after from`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  to?: string;
}

export class ReportQueryDto extends ReportRangeQueryDto {
  @ApiPropertyOptional({
    enum: GROUP_BYS,
    default: 'day',
    description: 'Weeks start on Monday (ISO); periods are UTC',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  groupBy?: string;

  @ApiPropertyOptional({
    enum: DIMENSIONS,
    description: 'Area dimension (ZIP, state from the ZIP, officer precinct)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  by?: string;
}

export class ReportMetricParam {
  @ApiProperty({ enum: REPORT_METRIC_NAMES })
  @IsString()
  @MaxLength(20)
  metric!: string;
}

export class ReportRowDto {
  @ApiProperty({ description: 'YYYY-MM-DD (day; for week the Monday starting it) or YYYY-MM (month)' })
  period!: string;
  @ApiProperty({ description: '`all` without `by`; else the ZIP, state or precinct' })
  key!: string;
  @ApiProperty()
  value!: number;
}

export class ReportDto {
  @ApiProperty({ enum: REPORT_METRIC_NAMES })
  metric!: string;
  @ApiProperty({ format: 'date' })
  from!: string;
  @ApiProperty({ format: 'date' })
  to!: string;
  @ApiProperty({ enum: GROUP_BYS })
  groupBy!: string;
  @ApiPropertyOptional({ enum: DIMENSIONS, nullable: true })
  by!: string | null;
  @ApiProperty({
    type: [ReportRowDto],
    description:
      'Without `by` every period of the range is listed (empty ones 0); with `by` only keys with data',
  })
  rows!: ReportRowDto[];
}

export class ReportSummaryDto {
  @ApiProperty({ format: 'date' })
  from!: string;
  @ApiProperty({ format: 'date' })
  to!: string;
  @ApiProperty({
    description: 'Distinct people with any activity (sign-up, connection, points, profile edit) in the range',
  })
  activeUsers!: number;
  @ApiProperty()
  newUsers!: number;
  @ApiProperty()
  connections!: number;
  @ApiProperty()
  pointsIssued!: number;
  @ApiProperty()
  pointsRedeemed!: number;
  @ApiProperty()
  pointsDonated!: number;
  @ApiProperty()
  trophiesAwarded!: number;
}

export class RefreshRollupsDto {
  @ApiPropertyOptional({
    format: 'date',
    maxLength: 10,
    description: 'First UTC day to recompute, inclusive (default: 29 days before `to`)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  from?: string;

  @ApiPropertyOptional({
    format: 'date',
    maxLength: 10,
    description: `Last UTC day, inclusive (default: today); at most ${MAX_RANGE_DAYS} days`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  to?: string;
}

export class RefreshScheduledDto {
  @ApiProperty({ format: 'date' })
  from!: string;
  @ApiProperty({ format: 'date' })
  to!: string;
  @ApiProperty({ enum: ['scheduled'] })
  status!: 'scheduled';
}

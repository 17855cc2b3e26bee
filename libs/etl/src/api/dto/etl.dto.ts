import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { ETL_KINDS } from '../../domain/etl-kinds.js';

export class EtlJobIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID()
  id!: string;
}

export class EtlJobAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  jobId!: string;
}

export class EtlRowErrorDto {
  @ApiProperty({ description: '1-based record number in the file (the header row is not counted)' })
  row!: number;
  @ApiProperty({ description: 'Column name, or "(row)" when the record as a whole is unreadable' })
  field!: string;
  @ApiProperty()
  message!: string;
}

export class EtlJobDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: ETL_KINDS })
  kind!: string;
  @ApiProperty()
  dryRun!: boolean;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] })
  status!: string;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'Share of the file read and committed (by bytes)' })
  progress!: number;
  @ApiProperty({ description: 'Records read and committed so far' })
  rowsTotal!: number;
  @ApiProperty({ description: 'Rows loaded (or, in a dry run, rows that would load)' })
  rowsOk!: number;
  @ApiProperty()
  rowsFailed!: number;
  @ApiProperty({
    type: [EtlRowErrorDto],
    description: 'The first 100 rejected rows; errors.csv has them all',
  })
  errors!: EtlRowErrorDto[];
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Why a failed job stopped (e.g. malformed CSV)',
  })
  failure!: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  startedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  finishedAt!: string | null;
}

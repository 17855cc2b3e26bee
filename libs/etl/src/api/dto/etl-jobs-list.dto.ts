import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '@heyblue/platform';
import { ETL_KINDS } from '../../domain/etl-kinds.js';

export class EtlJobSummaryDto {
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ enum: ETL_KINDS }) kind!: string;
  @ApiProperty({ description: 'The uploaded file’s name as the browser sent it' }) fileName!: string;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'Share of the file read and committed (by bytes)' })
  progress!: number;
  @ApiProperty({ description: 'Records read and committed so far' }) rowsTotal!: number;
  @ApiProperty() rowsOk!: number;
  @ApiProperty() rowsFailed!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class EtlJobPageDto implements Page<EtlJobSummaryDto> {
  @ApiProperty({ type: [EtlJobSummaryDto], description: 'Newest first' }) items!: EtlJobSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class EtlParentDto {
  @ApiProperty({
    enum: ETL_KINDS,
    description: 'The kind whose external_id the column refers to (load it first)',
  })
  kind!: string;
  @ApiProperty({ example: 'retailer_external_id' }) column!: string;
}

export class EtlKindDto {
  @ApiProperty({ enum: ETL_KINDS }) kind!: string;
  @ApiProperty({ type: [String], description: 'Columns every row needs (header names are case-insensitive)' })
  required!: string[];
  @ApiProperty({ type: [String] }) optional!: string[];
  @ApiProperty({ type: EtlParentDto, nullable: true }) parent!: EtlParentDto | null;
}

export class EtlKindsDto {
  @ApiProperty({ type: [EtlKindDto] }) items!: EtlKindDto[];
  @ApiProperty({ description: 'ETL_MAX_UPLOAD_BYTES: larger files answer 413 PAYLOAD_TOO_LARGE' })
  maxUploadBytes!: number;
}

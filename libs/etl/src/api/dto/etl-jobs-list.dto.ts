import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '@heyblue/platform';
import { ETL_KINDS } from '../../domain/etl-kinds.js';

export class EtlJobSummaryDto {
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ enum: ETL_KINDS }) kind!: string;
  @ApiProperty({ description: 'The uploaded file’s name as the browser sent it' }) fileName!: string;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'Share of the file read and committed (by bytes)' }) progress!: number;
  @ApiProperty({ description: 'Records read and committed so far' }) rowsTotal!: number;
  @ApiProperty() rowsOk!: number;
  @ApiProperty() rowsFailed!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class EtlJobPageDto implements Page<EtlJobSummaryDto> {
  @ApiProperty({ type: [EtlJobSummaryDto], description: 'Newest first' }) items!: EtlJobSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

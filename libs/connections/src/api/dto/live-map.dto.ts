import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LiveMapQueryDto {
  @ApiPropertyOptional({
    description:
      'west,south,east,north in degrees (west < east, south < north; no antimeridian crossing). Default: every US state, -180,18,-66,72',
    example: '-77.2,38.8,-76.9,39.0',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  bbox?: string;
}

export class LiveMapOfficerDto {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ description: 'Rounded to 3 decimals (≈ 100 m)' }) lat!: number;
  @ApiProperty({ description: 'Rounded to 3 decimals (≈ 100 m)' }) lng!: number;
  @ApiProperty({ format: 'date-time', description: 'Time of the last location' }) updatedAt!: string;
}

export class LiveMapCitizenCellDto {
  @ApiProperty({ description: 'Centre of a 0.1° × 0.1° cell' }) lat!: number;
  @ApiProperty({ description: 'Centre of a 0.1° × 0.1° cell' }) lng!: number;
  @ApiProperty({ minimum: 1, description: 'Citizens with a fresh position in the cell' }) count!: number;
}

export class LiveMapDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({
    type: [LiveMapOfficerDto],
    description:
      'Officers with an open availability window and a fresh location, most recently updated first',
  })
  officers!: LiveMapOfficerDto[];
  @ApiProperty({
    type: [LiveMapCitizenCellDto],
    description: 'Active citizens counted per cell, busiest first; never individual positions',
  })
  citizens!: LiveMapCitizenCellDto[];
  @ApiProperty({ description: 'True when officers or cells were cut at 2,000 (zoom in to see all)' })
  truncated!: boolean;
}

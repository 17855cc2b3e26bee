import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '@heyblue/platform';

export class ZipListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    pattern: '^\\d{5}$',
    example: '10001',
    description: 'Only entries covering this ZIP',
  })
  @IsOptional()
  @Matches(/^\d{5}$/, { message: 'zip must be a 5-digit US ZIP' })
  zip?: string;
}

export class RedeemOfferDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  offerId!: string;
}

export class DonatePointsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  charityId!: string;

  @ApiProperty({ minimum: 1, type: 'integer', example: 100 })
  @IsInt({ message: 'points must be a whole number' })
  @Min(1, { message: 'points must be positive' })
  @Max(1_000_000_000)
  points!: number;
}

export class VoucherCodeDto {
  @ApiProperty({ example: '7K3M9Q2XW4B8N6P1R5T0' })
  @IsString()
  @MaxLength(64)
  code!: string;
}

export class DonationReportQueryDto {
  @ApiProperty({ enum: ['charity'], description: 'Only per-charity rows for now' })
  @IsIn(['charity'])
  by!: 'charity';

  @ApiPropertyOptional({ enum: ['day', 'week', 'month'], default: 'month' })
  @IsOptional()
  @IsIn(['day', 'week', 'month'])
  groupBy: 'day' | 'week' | 'month' = 'month';

  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive (UTC)' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive (UTC)' })
  @IsOptional()
  @IsISO8601()
  to?: string;
}

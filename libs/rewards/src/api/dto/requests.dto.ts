import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto, ValidationFailed } from '@heyblue/platform';

export class ZipListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    pattern: '^\\d{5}$',
    maxLength: 5,
    example: '10001',
    description: 'Only entries covering this ZIP',
  })
  @IsOptional()
  @Matches(/^\d{5}$/, { message: 'zip must be a 5-digit US ZIP' })
  zip?: string;
}

export class RedeemOfferDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID()
  offerId!: string;
}

export class DonatePointsDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID()
  charityId!: string;

  @ApiProperty({ minimum: 1, maximum: 1_000_000_000, type: 'integer', format: 'int32', example: 100 })
  @IsInt({ message: 'points must be a whole number' })
  @Min(1, { message: 'points must be positive' })
  @Max(1_000_000_000)
  points!: number;
}

export class VoucherCodeDto {
  @ApiProperty({ example: '7K3M9Q2XW4B8N6P1R5T0', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  code!: string;
}

/** `POST /vouchers/{code}/use`: the code as printed (64 characters at most, like the body's). */
export class VoucherCodeParam {
  @ApiProperty({ example: '7K3M9Q2XW4B8N6P1R5T0', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  code!: string;
}

const DAY_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `?from&to` of an admin report: UTC days (the `to` day included whole) or instants. */
export class ReportWindowQueryDto {
  @ApiPropertyOptional({
    example: '2026-11-01',
    maxLength: 40,
    description: 'Inclusive start: a UTC day or an instant',
  })
  @IsOptional()
  @MaxLength(40)
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    example: '2026-11-30',
    description: "End: a UTC day is included whole (as Reporting's metrics read it); an instant is exclusive",
    maxLength: 40,
  })
  @IsOptional()
  @MaxLength(40)
  @IsISO8601({ strict: true })
  to?: string;

  /** The UTC window `[from, to)` the rows cover (400 when it is empty or a date does not exist). */
  window(): { from?: Date; to?: Date } {
    const from = this.from === undefined ? undefined : new Date(this.from);
    const end = this.to === undefined ? undefined : new Date(this.to);
    const to = end && this.to && DAY_ONLY.test(this.to) ? new Date(end.getTime() + 86_400_000) : end;
    const errors: Array<{ field: string; message: string }> = [];
    if (from && Number.isNaN(from.getTime())) errors.push({ field: 'from', message: 'must be a date' });
    if (to && Number.isNaN(to.getTime())) errors.push({ field: 'to', message: 'must be a date' });
    if (errors.length === 0 && from && to && from >= to)
      errors.push({ field: 'from', message: 'must be before to' });
    if (errors.length > 0) throw new ValidationFailed(errors);
    return { from, to };
  }
}

export class DonationReportQueryDto extends ReportWindowQueryDto {
  @ApiPropertyOptional({
    enum: ['charity'],
    default: 'charity',
    description: 'Per-charity rows (the only split donations have)',
  })
  @IsOptional()
  @IsIn(['charity'])
  by = 'charity' as const;

  @ApiPropertyOptional({ enum: ['day', 'week', 'month'], default: 'month' })
  @IsOptional()
  @IsIn(['day', 'week', 'month'])
  groupBy: 'day' | 'week' | 'month' = 'month';
}

export class AdjustmentAccountParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) @IsUUID() id!: string;
}

export class PointsAdjustmentDto {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: -1_000_000,
    maximum: 1_000_000,
    example: -50,
    description: 'Non-zero: a credit (> 0) or a claw-back (< 0), at most 1,000,000 either way',
  })
  @IsInt({ message: 'points must be a whole number' })
  @Min(-1_000_000)
  @Max(1_000_000)
  points!: number;

  @ApiProperty({
    minLength: 3,
    maxLength: 200,
    example: 'Duplicate connection reported by precinct 12',
    description: 'Shown to the account with points.awarded, and kept in the audit trail',
  })
  @IsString()
  @Matches(/^(?=.*\S)[^\p{Cc}]{3,200}$/u, { message: 'reason must be 3-200 characters of text' })
  reason!: string;
}

/** `GET /admin/retailers?q&limit&cursor`. */
export class RetailerSearchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the name or external id (case-insensitive)', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class RetailerIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) @IsUUID() id!: string;
}

export class RetailerKeyIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) @IsUUID() keyId!: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Only the fields sent change; `null` clears bio, avatarUrl and zip. */
export class UpdateProfileDto {
  @ApiPropertyOptional({ minLength: 2, maxLength: 40, example: 'Officer Jane' })
  @ValidateIf((o: UpdateProfileDto) => o.displayName !== undefined)
  @Transform(trim)
  @IsString()
  @Length(2, 40, { message: 'displayName must be 2 to 40 characters' })
  displayName?: string;

  @ApiPropertyOptional({ maxLength: 280, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(280, { message: 'bio must be at most 280 characters' })
  bio?: string | null;

  @ApiPropertyOptional({
    format: 'uri',
    nullable: true,
    description: 'https URL only',
    example: 'https://example.com/me.png',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['https'], require_protocol: true, require_tld: true },
    { message: 'avatarUrl must be an https URL' },
  )
  avatarUrl?: string | null;

  @ApiPropertyOptional({ pattern: '^\\d{5}$', nullable: true, example: '10001' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{5}$/, { message: 'zip must be a 5-digit US ZIP' })
  zip?: string | null;

  @ApiPropertyOptional({ description: 'Consent to feature this account in social posts' })
  @ValidateIf((o: UpdateProfileDto) => o.shareConsent !== undefined)
  @IsBoolean()
  shareConsent?: boolean;
}

/** `/profiles/{id}`: ids are UUIDs (anything else is bad input, 400, as on every other route). */
export class ProfileIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID()
  id!: string;
}

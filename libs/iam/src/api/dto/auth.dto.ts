import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { PageQueryDto, type Page } from '@heyblue/platform';
import { ROLES, type Role } from '../../domain/account.js';

export class ProviderDto {
  @ApiProperty({ example: 'dev' }) id!: string;
  @ApiProperty({ example: 'Hey Blue! development sign-in' }) name!: string;
}

export class StartSignInDto {
  @ApiProperty({ description: 'Provider id from GET /auth/providers', example: 'dev' })
  @IsString() @Length(1, 32)
  provider!: string;

  @ApiProperty({ description: 'Registered redirect URI of the client', example: 'com.heyblue.app:/oauth2redirect' })
  @IsString() @Length(1, 500)
  redirectUri!: string;
}

export class StartSignInResponseDto {
  @ApiProperty({ description: 'Open this in a browser; PKCE verifier and nonce stay on the server' }) authorizationUrl!: string;
  @ApiProperty({ description: 'Echoed by the provider on the redirect; send it to /auth/oidc/callback' }) state!: string;
}

export class CallbackDto {
  @ApiProperty() @IsString() @Length(1, 200) state!: string;
  @ApiProperty() @IsString() @Length(1, 2000) code!: string;

  @ApiPropertyOptional({
    description:
      'Mobile app installation id (extension to the contract, optional). When the account’s phone is bound to another device, the answer is phone_required: verifying the phone here moves it to this device and ends the old device’s sessions.',
  })
  @IsOptional() @IsString() @Length(1, 200)
  deviceId?: string;
}

export class SessionAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
}

export class SessionDto {
  @ApiProperty({ description: 'Opaque; send as `Authorization: Bearer`' }) accessToken!: string;
  @ApiProperty({ description: 'Opaque; rotates on every refresh, never expires by age' }) refreshToken!: string;
  @ApiProperty({ format: 'date-time' }) accessTokenExpiresAt!: string;
  @ApiProperty({ type: SessionAccountDto }) account!: SessionAccountDto;
}

export class CurrentSessionDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ type: SessionAccountDto }) account!: SessionAccountDto;
}

export class CallbackResponseDto {
  @ApiProperty({ enum: ['active', 'phone_required'] }) status!: 'active' | 'phone_required';
  @ApiPropertyOptional({ type: SessionDto, description: 'When status is active' }) session?: SessionDto;
  @ApiPropertyOptional({ description: 'When status is phone_required: single use, for /auth/phone/*' }) registrationToken?: string;
}

const E164 = /^\+[1-9]\d{7,14}$/;

export class PhoneStartDto {
  @ApiProperty() @IsString() @Length(1, 200) registrationToken!: string;
  @ApiProperty({ description: 'E.164', example: '+15551234567' })
  @IsString() @Matches(E164, { message: 'phone must be an E.164 number such as +15551234567' })
  phone!: string;
}

export class PhoneVerifyDto extends PhoneStartDto {
  @ApiProperty({ example: '123456' }) @IsString() @Matches(/^\d{4,10}$/, { message: 'code must be 4-10 digits' }) code!: string;
  @ApiProperty({ description: 'Stable id of the app installation; one phone maps to one device' })
  @IsString() @Length(1, 200)
  deviceId!: string;
}

export class SessionResponseDto {
  @ApiProperty({ enum: ['active'] }) status!: 'active';
  @ApiProperty({ type: SessionDto }) session!: SessionDto;
}

export class RefreshDto {
  @ApiProperty() @IsString() @Length(1, 200) refreshToken!: string;
}

export class RefreshResponseDto {
  @ApiProperty({ type: SessionDto }) session!: SessionDto;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES as unknown as string[]) role!: Role;
}

export class AccountIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID() id!: string;
}

/** `?limit` and `?cursor` of every list, plus filters. */
export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'An account id, a retailer key id, or the OS user of a CLI command' })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,100}$/, { message: 'actor must be 1-100 visible ASCII characters' })
  actor?: string;
  @ApiPropertyOptional({ format: 'uuid', deprecated: true, description: 'Same as actor, for accounts only' }) @IsOptional() @IsUUID() actorId?: string;
  @ApiPropertyOptional({ description: 'The account, voucher, key, job … acted on' }) @IsOptional() @IsString() @MaxLength(100) target?: string;
  @ApiPropertyOptional({ deprecated: true, description: 'Same as target' }) @IsOptional() @IsString() @MaxLength(100) targetId?: string;
  @ApiPropertyOptional({ example: 'points_adjusted' }) @IsOptional() @IsString() @Matches(/^[a-z0-9_:.-]{1,100}$/, { message: 'action must be a lower-case action name' }) action?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this instant' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this instant' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ enum: ['account', 'retailer_key', 'cli', 'system'] }) actorKind!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Retailer key id, or the OS user of a CLI command' }) actorRef!: string | null;
  @ApiProperty({ example: 'sign_in' }) action!: string;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: Object }) detail!: Record<string, unknown> | null;
}

export class AuditPageDto implements Page<AuditEntryDto> {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class DevSmsQueryDto {
  @ApiProperty({ example: '+15551234567' }) @IsString() @Matches(E164, { message: 'phone must be E.164' }) phone!: string;
}

export class DevSmsDto {
  @ApiProperty() to!: string;
  @ApiProperty() body!: string;
  @ApiProperty() code!: string;
  @ApiProperty({ format: 'date-time' }) sentAt!: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { PageQueryDto, type Page } from '@heyblue/platform';
import { ROLES, type Role } from '../../domain/account.js';

export class ProviderDto {
  @ApiProperty({ example: 'dev' }) id!: string;
  @ApiProperty({ example: 'Hey Blue! development sign-in' }) name!: string;
}

export class StartSignInDto {
  @ApiProperty({ description: 'Provider id from GET /auth/providers', example: 'dev', maxLength: 32 })
  @IsString()
  @Length(1, 32)
  provider!: string;

  @ApiProperty({
    description: 'Registered redirect URI of the client',
    example: 'com.heyblue.app:/oauth2redirect',
    maxLength: 500,
  })
  @IsString()
  @Length(1, 500)
  redirectUri!: string;

  @ApiProperty({
    description:
      'RFC 7636 S256 code challenge: base64url (no padding) of the SHA-256 of the code_verifier the client made and keeps',
    example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    minLength: 43,
    maxLength: 43,
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, {
    message: 'codeChallenge must be the 43-character base64url S256 challenge',
  })
  codeChallenge!: string;

  @ApiProperty({ enum: ['S256'], description: 'Only S256 is accepted (RFC 7636 plain is refused)' })
  @IsIn(['S256'])
  codeChallengeMethod!: 'S256';
}

export class StartSignInResponseDto {
  @ApiProperty({
    description: 'Open this in a browser; the nonce stays on the server, the code verifier with the client',
  })
  authorizationUrl!: string;
  @ApiProperty({ description: 'Echoed by the provider on the redirect; send it to /auth/oidc/callback' })
  state!: string;
}

export class CallbackDto {
  @ApiProperty({ maxLength: 200 }) @IsString() @Length(1, 200) state!: string;
  @ApiProperty({ maxLength: 2000 }) @IsString() @Length(1, 2000) code!: string;

  // Required, but checked by the sign-in itself rather than the validation pipe: a callback
  // without the right verifier must spend its state (400 INVALID_CODE_VERIFIER), so that an
  // intercepted redirect cannot be tried again with a guessed verifier.
  @ApiProperty({
    description:
      'The RFC 7636 code_verifier behind the codeChallenge given to /auth/oidc/start (43-128 characters of A-Z a-z 0-9 - . _ ~). Missing or wrong: 400 INVALID_CODE_VERIFIER, and the state is spent',
    minLength: 43,
    maxLength: 128,
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  codeVerifier?: string;

  @ApiProperty({
    description:
      'Stable id of the app installation (or the dashboard’s browser). A mobile sign-in is active only on the device the account’s verified phone is bound to; anywhere else the answer is phone_required.',
    maxLength: 200,
  })
  @IsString()
  @Length(1, 200)
  deviceId!: string;
}

export class SessionAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
}

export class SessionDto {
  @ApiProperty({ description: 'Opaque; send as `Authorization: Bearer`' }) accessToken!: string;
  @ApiProperty({ description: 'Opaque; rotates on every refresh, never expires by age' })
  refreshToken!: string;
  @ApiProperty({ format: 'date-time' }) accessTokenExpiresAt!: string;
  @ApiProperty({ type: SessionAccountDto }) account!: SessionAccountDto;
}

export class CurrentSessionDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ type: SessionAccountDto }) account!: SessionAccountDto;
}

export class MySessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The app installation (or dashboard browser) that signed in',
  })
  deviceId!: string | null;
  @ApiProperty({ format: 'date-time', description: 'Sign-in' }) createdAt!: string;
  @ApiProperty({
    format: 'date-time',
    description:
      'Last time the session got tokens (sign-in or refresh; at least once per access-token lifetime while in use)',
  })
  lastUsedAt!: string;
  @ApiProperty({ description: 'The session of this request' }) current!: boolean;
}

export class CallbackResponseDto {
  @ApiProperty({ enum: ['active', 'phone_required'] }) status!: 'active' | 'phone_required';
  @ApiPropertyOptional({ type: SessionDto, description: 'When status is active' }) session?: SessionDto;
  @ApiPropertyOptional({ description: 'When status is phone_required: single use, for /auth/phone/*' })
  registrationToken?: string;
}

const E164 = /^\+[1-9]\d{7,14}$/;

export class PhoneStartDto {
  @ApiProperty({ maxLength: 200 }) @IsString() @Length(1, 200) registrationToken!: string;
  @ApiProperty({ description: 'E.164', example: '+15551234567', pattern: E164.source, maxLength: 16 })
  @IsString()
  @Matches(E164, { message: 'phone must be an E.164 number such as +15551234567' })
  phone!: string;
}

export class PhoneVerifyDto extends PhoneStartDto {
  @ApiProperty({ example: '123456', pattern: '^\\d{4,10}$', maxLength: 10 })
  @IsString()
  @Matches(/^\d{4,10}$/, { message: 'code must be 4-10 digits' })
  code!: string;
  @ApiProperty({
    description: 'Stable id of the app installation; one phone maps to one device',
    maxLength: 200,
  })
  @IsString()
  @Length(1, 200)
  deviceId!: string;
}

export class SessionResponseDto {
  @ApiProperty({ enum: ['active'] }) status!: 'active';
  @ApiProperty({ type: SessionDto }) session!: SessionDto;
}

export class RefreshDto {
  @ApiProperty({ maxLength: 200 }) @IsString() @Length(1, 200) refreshToken!: string;
}

export class RefreshResponseDto {
  @ApiProperty({ type: SessionDto }) session!: SessionDto;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES as unknown as string[]) role!: Role;
}

export class AccountIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) @IsUUID() id!: string;
}

/** `?limit` and `?cursor` of every list, plus filters. */
export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'An account id, a retailer key id, or the OS user of a CLI command',
    pattern: '^[\\x21-\\x7e]{1,100}$',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,100}$/, { message: 'actor must be 1-100 visible ASCII characters' })
  actor?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    maxLength: 36,
    deprecated: true,
    description: 'Same as actor, for accounts only',
  })
  @IsOptional()
  @IsUUID()
  actorId?: string;
  @ApiPropertyOptional({ description: 'The account, voucher, key, job … acted on', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  target?: string;
  @ApiPropertyOptional({ deprecated: true, description: 'Same as target', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetId?: string;
  @ApiPropertyOptional({ example: 'points_adjusted', pattern: '^[a-z0-9_:.-]{1,100}$', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_:.-]{1,100}$/, { message: 'action must be a lower-case action name' })
  action?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: 40,
    description: 'Entries at or after this instant',
  })
  @IsOptional()
  @MaxLength(40)
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 40, description: 'Entries before this instant' })
  @IsOptional()
  @MaxLength(40)
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ enum: ['account', 'retailer_key', 'cli', 'system'] }) actorKind!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Retailer key id, or the OS user of a CLI command',
  })
  actorRef!: string | null;
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
  @ApiProperty({ example: '+15551234567', pattern: E164.source, maxLength: 16 })
  @IsString()
  @Matches(E164, { message: 'phone must be E.164' })
  phone!: string;
}

export class DevSmsDto {
  @ApiProperty() to!: string;
  @ApiProperty() body!: string;
  @ApiProperty() code!: string;
  @ApiProperty({ format: 'date-time' }) sentAt!: string;
}

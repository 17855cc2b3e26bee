import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  ApiForbiddenResponse,
} from '@nestjs/swagger';
import { RateLimit } from '@heyblue/platform';
import type { AuthenticatedAccount } from '../domain/account.js';
import type { RequestMeta } from '../application/request-meta.js';
import { PhoneVerificationService } from '../application/phone-verification.service.js';
import { SessionService } from '../application/session.service.js';
import { SignInService } from '../application/sign-in.service.js';
import { Audited, NotAudited } from './audited.decorator.js';
import { Auth, CurrentAccount } from './auth.decorators.js';
import { Meta } from './request-meta.decorator.js';
import {
  CallbackDto,
  CurrentSessionDto,
  CallbackResponseDto,
  PhoneStartDto,
  PhoneVerifyDto,
  ProviderDto,
  RefreshDto,
  RefreshResponseDto,
  SessionResponseDto,
  StartSignInDto,
  StartSignInResponseDto,
} from './dto/auth.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly signIn: SignInService,
    private readonly phone: PhoneVerificationService,
    private readonly sessions: SessionService,
  ) {}

  @Get('providers')
  @ApiOperation({ summary: 'Configured OpenID Connect providers' })
  @ApiOkResponse({ type: [ProviderDto] })
  providers(): ProviderDto[] {
    return this.signIn.providers();
  }

  @Post('oidc/start')
  @HttpCode(200)
  @NotAudited(
    'No account yet and nothing in PostgreSQL: a pending sign-in in Redis for 10 minutes; its callback is audited (sign_in, sign_in_failed)',
  )
  @RateLimit({ name: 'iam-oidc-start', points: 30, durationS: 60 })
  @ApiOperation({
    summary:
      'Start an authorization-code sign-in with the client’s PKCE challenge (S256); state and nonce stay server-side, single use, for 10 minutes',
  })
  @ApiOkResponse({ type: StartSignInResponseDto })
  @ApiBadRequestResponse({
    description:
      'UNKNOWN_PROVIDER, REDIRECT_URI_NOT_ALLOWED, VALIDATION_FAILED (codeChallenge not a 43-character base64url S256 challenge, codeChallengeMethod not S256)',
  })
  @ApiServiceUnavailableResponse({ description: 'PROVIDER_UNAVAILABLE' })
  start(@Body() body: StartSignInDto): Promise<StartSignInResponseDto> {
    return this.signIn.start(body.provider, body.redirectUri, body.codeChallenge);
  }

  @Post('oidc/callback')
  @HttpCode(200)
  @Audited('sign_in', 'sign_in_phone_required')
  @RateLimit({ name: 'iam-oidc-callback', points: 30, durationS: 60 })
  @ApiOperation({
    summary:
      'Finish sign-in: check the PKCE verifier, exchange the code (forwarding the verifier), validate the ID token; first sign-in creates the account. Active only on the device the verified phone is bound to, else phone_required (the dashboard always steps up with an OTP)',
  })
  @ApiOkResponse({ type: CallbackResponseDto })
  @ApiBadRequestResponse({
    description:
      'INVALID_STATE (unknown, expired or reused state), INVALID_CODE_VERIFIER (missing or wrong verifier; the state is spent), VALIDATION_FAILED (e.g. no deviceId)',
  })
  @ApiUnauthorizedResponse({ description: 'CODE_EXCHANGE_FAILED, ID_TOKEN_INVALID' })
  @ApiForbiddenResponse({ description: 'ACCOUNT_SUSPENDED' })
  @ApiUnprocessableEntityResponse({ description: 'EMAIL_REQUIRED' })
  @ApiServiceUnavailableResponse({ description: 'PROVIDER_UNAVAILABLE' })
  callback(@Body() body: CallbackDto, @Meta() meta: RequestMeta): Promise<CallbackResponseDto> {
    return this.signIn.callback(body.state, body.code, body.codeVerifier, body.deviceId, meta);
  }

  @Post('phone/start')
  @HttpCode(202)
  @Audited('phone_code_sent')
  @ApiOperation({
    summary: 'Send an OTP by SMS (Twilio Verify). Limits: 3 per phone per 10 min, 10 per IP per hour',
  })
  @ApiAcceptedResponse({ description: 'Code sent' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (phone not E.164), PHONE_INVALID' })
  @ApiUnauthorizedResponse({ description: 'REGISTRATION_TOKEN_INVALID' })
  @ApiServiceUnavailableResponse({ description: 'SMS_UNAVAILABLE' })
  async phoneStart(@Body() body: PhoneStartDto, @Meta() meta: RequestMeta): Promise<void> {
    await this.phone.start(body.registrationToken, body.phone, meta);
  }

  @Post('phone/verify')
  @HttpCode(200)
  @Audited('sign_in')
  @RateLimit({ name: 'iam-otp-verify', points: 30, durationS: 600 })
  @ApiOperation({
    summary:
      'Check the OTP; completes registration and starts a session. Verifying on a new device ends the old device’s sessions',
  })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiUnauthorizedResponse({ description: 'REGISTRATION_TOKEN_INVALID (unknown, expired or already used)' })
  @ApiUnprocessableEntityResponse({
    description:
      'OTP_INVALID (wrong code, `attemptsLeft`), VERIFICATION_NOT_FOUND (none pending, expired, or 5 wrong codes)',
  })
  @ApiServiceUnavailableResponse({ description: 'SMS_UNAVAILABLE' })
  async phoneVerify(@Body() body: PhoneVerifyDto, @Meta() meta: RequestMeta): Promise<SessionResponseDto> {
    const session = await this.phone.verify(
      body.registrationToken,
      body.phone,
      body.code,
      body.deviceId,
      meta,
    );
    return { status: 'active', session };
  }

  @Post('refresh')
  @HttpCode(200)
  @Audited('session_refreshed')
  @RateLimit({ name: 'iam-refresh', points: 60, durationS: 60 })
  @ApiOperation({ summary: 'Rotate the refresh token; reusing an old one ends the whole session' })
  @ApiOkResponse({ type: RefreshResponseDto })
  @ApiUnauthorizedResponse({ description: 'REFRESH_TOKEN_INVALID, REFRESH_TOKEN_REUSED' })
  @ApiForbiddenResponse({ description: 'ACCOUNT_SUSPENDED' })
  async refresh(@Body() body: RefreshDto, @Meta() meta: RequestMeta): Promise<RefreshResponseDto> {
    const { sessionId: _sid, ...session } = await this.sessions.refresh(body.refreshToken, meta);
    return { session };
  }

  @Get('session')
  @Auth()
  @RateLimit({ name: 'iam-session', points: 120, durationS: 60, by: 'account' })
  @ApiOperation({ summary: 'The session the access token belongs to (who am I, without the profile)' })
  @ApiOkResponse({ type: CurrentSessionDto })
  current(@CurrentAccount() account: AuthenticatedAccount): CurrentSessionDto {
    return { sessionId: account.sessionId, account: { id: account.id, role: account.role } };
  }

  @Post('logout')
  @HttpCode(204)
  @Auth()
  @Audited('logout')
  @ApiOperation({
    summary: 'End this session: its access and refresh tokens stop working at once, on every instance',
  })
  @ApiNoContentResponse({ description: 'Logged out' })
  async logout(@CurrentAccount() account: AuthenticatedAccount, @Meta() meta: RequestMeta): Promise<void> {
    await this.sessions.logout(account, meta);
  }
}

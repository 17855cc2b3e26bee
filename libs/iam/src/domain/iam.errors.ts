import { Conflict, DomainError, NotFound, ServiceUnavailable, Unauthorized } from '@heyblue/platform';

/** Stable problem codes of the IAM context (documented in docs/iam.md and OpenAPI). */
export const IamErrors = {
  unknownProvider: () =>
    new DomainError('UNKNOWN_PROVIDER', 'No sign-in provider with that id is configured.', 400),
  redirectUriNotAllowed: () =>
    new DomainError(
      'REDIRECT_URI_NOT_ALLOWED',
      'That redirect URI is not registered for this provider.',
      400,
    ),
  invalidCodeVerifier: () =>
    new DomainError(
      'INVALID_CODE_VERIFIER',
      'The code verifier does not match the challenge this sign-in started with; the sign-in is spent, start again.',
      400,
    ),
  invalidState: () =>
    new DomainError(
      'INVALID_STATE',
      'The sign-in state is unknown, expired or already used; start again.',
      400,
    ),
  codeExchangeFailed: () =>
    new Unauthorized('CODE_EXCHANGE_FAILED', 'The provider refused the authorization code.'),
  idTokenInvalid: () =>
    new Unauthorized('ID_TOKEN_INVALID', 'The provider returned an ID token that failed validation.'),
  providerUnavailable: () =>
    new ServiceUnavailable('PROVIDER_UNAVAILABLE', 'The sign-in provider cannot be reached; retry later.'),
  emailRequired: () =>
    new DomainError(
      'EMAIL_REQUIRED',
      'The provider did not share an e-mail address, which sign-in requires.',
      422,
    ),
  accountSuspended: () => new DomainError('ACCOUNT_SUSPENDED', 'This account is suspended.', 403),
  registrationTokenInvalid: () =>
    new Unauthorized(
      'REGISTRATION_TOKEN_INVALID',
      'The registration token is unknown, expired or already used.',
    ),
  verificationNotFound: () =>
    new DomainError(
      'VERIFICATION_NOT_FOUND',
      'No code is pending for this phone (expired, used up or never sent); request a new one.',
      422,
    ),
  otpInvalid: (attemptsLeft: number) =>
    new DomainError('OTP_INVALID', 'The code is wrong.', 422, { attemptsLeft }),
  phoneInvalid: () => new DomainError('PHONE_INVALID', 'The phone number cannot receive SMS.', 400),
  smsUnavailable: () =>
    new ServiceUnavailable('SMS_UNAVAILABLE', 'Text messages cannot be sent right now; retry later.'),
  phoneInUse: () => new Conflict('PHONE_IN_USE', 'This phone number belongs to another account.'),
  phoneMismatch: () =>
    new DomainError(
      'PHONE_MISMATCH',
      'This account verified another phone number; only that number can be verified again.',
      422,
    ),
  phoneCountryNotSupported: () =>
    new DomainError(
      'PHONE_COUNTRY_NOT_SUPPORTED',
      'Codes are not sent to phone numbers of that country.',
      422,
    ),
  sessionExpired: () =>
    new Unauthorized('SESSION_EXPIRED', 'This session has reached its maximum age; sign in again.'),
  sessionNotFound: () => new NotFound('Session', 'SESSION_NOT_FOUND'),
  tokenInvalid: () => new Unauthorized('TOKEN_INVALID', 'The access token is invalid, expired or revoked.'),
  refreshTokenInvalid: () =>
    new Unauthorized('REFRESH_TOKEN_INVALID', 'The refresh token is invalid or its session has ended.'),
  refreshTokenReused: () =>
    new Unauthorized(
      'REFRESH_TOKEN_REUSED',
      'This refresh token was already used; the session has been ended.',
    ),
};

import { Injectable, Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  TaskCancelledError,
  createResiliencePolicy,
  type ResiliencePolicy,
} from '@heyblue/platform';
import * as oidc from 'openid-client';
import { IamErrors } from '../domain/iam.errors.js';
import { DevOidcProvider } from '../dev/dev-oidc.provider.js';
import {
  DEV_CLIENT_ID,
  DEV_PROVIDER_ID,
  IamConfig,
  MOBILE_REDIRECT_URI,
  type OidcProviderConfig,
} from './iam-config.js';

/**
 * What a sign-in keeps server-side between start and callback (Redis, 10 min, single use).
 * The PKCE verifier is not among it: the client keeps it (RFC 8252 §8.1), so an app that
 * intercepts the redirect holds a code it cannot redeem.
 */
export interface PendingSignIn {
  provider: string;
  redirectUri: string;
  /** S256 challenge the client sent to start. */
  codeChallenge: string;
  nonce: string;
}

export interface VerifiedIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

const DISCOVERY_TIMEOUT_S = 10;

/**
 * Discovery and code exchange per provider: a timeout and a breaker, no retry (an
 * authorization code is single use, and the user can simply sign in again).
 */
const PROVIDER_RESILIENCE = { timeoutMs: 10_000, retries: 0, breakerThreshold: 5, halfOpenAfterMs: 30_000 };

/** The provider is down or unreachable (as opposed to refusing this code or token). */
function isOutage(err: unknown): boolean {
  const e = err as { status?: number; cause?: { status?: number }; name?: string };
  const status = e.status ?? e.cause?.status;
  if (
    err instanceof TaskCancelledError ||
    err instanceof TypeError ||
    e.name === 'AbortError' ||
    e.name === 'TimeoutError'
  )
    return true;
  return status !== undefined && status >= 500;
}

/** openid-client (v6) per configured provider: authorization URL with PKCE/state/nonce, code exchange, ID token checks. */
@Injectable()
export class OidcClients {
  private readonly logger = new Logger('OidcClients');
  private readonly configs = new Map<string, Promise<oidc.Configuration>>();
  private readonly policies = new Map<string, ResiliencePolicy>();

  constructor(
    private readonly config: IamConfig,
    private readonly dev: DevOidcProvider,
  ) {}

  list(): Array<{ id: string; name: string }> {
    const list = this.config.providers.map((p) => ({ id: p.id, name: p.name }));
    return this.config.devMode
      ? [{ id: DEV_PROVIDER_ID, name: 'Hey Blue! development sign-in' }, ...list]
      : list;
  }

  provider(id: string): OidcProviderConfig {
    if (id === DEV_PROVIDER_ID && this.config.devMode) {
      return {
        id,
        name: 'Hey Blue! development sign-in',
        issuer: this.dev.issuer(),
        clientId: DEV_CLIENT_ID,
        scopes: 'openid email profile',
        redirectUris: this.dev.redirectUris(),
      };
    }
    const p = this.config.providers.find((x) => x.id === id);
    if (!p) throw IamErrors.unknownProvider();
    return p;
  }

  allowedRedirectUris(p: OidcProviderConfig): string[] {
    if (p.redirectUris.length > 0) return p.redirectUris;
    return [MOBILE_REDIRECT_URI, `${this.dev.baseUrl()}/admin/callback`];
  }

  async authorizationUrl(p: OidcProviderConfig, pending: PendingSignIn, state: string): Promise<string> {
    const cfg = await this.configuration(p);
    const url = oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: pending.redirectUri,
      scope: p.scopes,
      state,
      nonce: pending.nonce,
      code_challenge: pending.codeChallenge,
      code_challenge_method: 'S256',
    });
    return url.href;
  }

  /**
   * Exchanges the code with the client's PKCE verifier (the provider checks it too) and
   * validates the ID token (issuer, audience, nonce, expiry, JWKS signature).
   */
  async exchange(
    p: OidcProviderConfig,
    pending: PendingSignIn,
    state: string,
    code: string,
    codeVerifier: string,
  ): Promise<VerifiedIdentity> {
    const cfg = await this.configuration(p);
    const callback = new URL(pending.redirectUri);
    callback.searchParams.set('code', code);
    callback.searchParams.set('state', state);
    // The client posts only {state, code}; the state already binds the provider, so the
    // RFC 9207 `iss` parameter is supplied from that provider's metadata.
    const meta = cfg.serverMetadata();
    if (meta.authorization_response_iss_parameter_supported) callback.searchParams.set('iss', meta.issuer);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await this.policy(p).execute(() =>
        oidc.authorizationCodeGrant(cfg, callback, {
          pkceCodeVerifier: codeVerifier,
          expectedState: state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        }),
      );
    } catch (err) {
      throw this.classify(err, p.id);
    }
    const claims = tokens.claims();
    if (!claims?.sub) throw IamErrors.idTokenInvalid();
    let email = typeof claims.email === 'string' ? claims.email : null;
    let emailVerified = claims.email_verified === true;
    let name = typeof claims.name === 'string' ? claims.name : null;
    if (!email && meta.userinfo_endpoint) {
      try {
        const info = await oidc.fetchUserInfo(cfg, tokens.access_token, claims.sub);
        email = typeof info.email === 'string' ? info.email : null;
        emailVerified = info.email_verified === true;
        name ??= typeof info.name === 'string' ? info.name : null;
      } catch (err) {
        this.logger.warn(`userinfo of ${p.id} failed: ${(err as Error).message}`);
      }
    }
    return { subject: claims.sub, email, emailVerified, name };
  }

  private classify(err: unknown, providerId: string): Error {
    const e = err as { code?: string };
    this.logger.warn(`sign-in with ${providerId} failed: ${(err as Error).message} (${e.code ?? 'no code'})`);
    if (err instanceof BrokenCircuitError || isOutage(err)) return IamErrors.providerUnavailable();
    if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError)
      return IamErrors.codeExchangeFailed();
    if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e.code === 'OAUTH_RESPONSE_IS_NOT_JSON')
      return IamErrors.codeExchangeFailed();
    return IamErrors.idTokenInvalid();
  }

  private policy(p: OidcProviderConfig): ResiliencePolicy {
    let policy = this.policies.get(p.id);
    if (!policy) {
      policy = createResiliencePolicy(`oidc-${p.id}`, PROVIDER_RESILIENCE, isOutage);
      this.policies.set(p.id, policy);
    }
    return policy;
  }

  private configuration(p: OidcProviderConfig): Promise<oidc.Configuration> {
    const key = `${p.id}|${p.issuer}`;
    let cfg = this.configs.get(key);
    if (!cfg) {
      cfg = this.discover(p);
      this.configs.set(key, cfg);
      // A failed discovery must not be cached: the provider may come back.
      cfg.catch(() => this.configs.delete(key));
    }
    return cfg;
  }

  private async discover(p: OidcProviderConfig): Promise<oidc.Configuration> {
    // ID token signatures are checked against the provider's JWKS, not only trusted from TLS.
    const execute = [
      oidc.enableNonRepudiationChecks,
      ...(p.issuer.startsWith('http://') && !this.config.production ? [oidc.allowInsecureRequests] : []),
    ];
    const options: oidc.DiscoveryRequestOptions = { execute, timeout: DISCOVERY_TIMEOUT_S };
    if (p.id === DEV_PROVIDER_ID) options[oidc.customFetch] = this.dev.internalFetch();
    const auth = p.clientSecret ? oidc.ClientSecretPost(p.clientSecret) : oidc.None();
    try {
      const cfg = await this.policy(p).execute(() =>
        oidc.discovery(
          new URL(p.issuer),
          p.clientId,
          p.clientSecret ? { client_secret: p.clientSecret } : undefined,
          auth,
          options,
        ),
      );
      if (p.id === DEV_PROVIDER_ID) cfg[oidc.customFetch] = this.dev.internalFetch();
      return cfg;
    } catch (err) {
      this.logger.warn(`discovery of ${p.id} at ${p.issuer} failed: ${(err as Error).message}`);
      throw IamErrors.providerUnavailable();
    }
  }
}

import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '@heyblue/platform';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';
import { PiiCipher, decodeKey, devKey } from './pii-cipher.js';

export const DEV_PROVIDER_ID = 'dev';
export const DEV_CLIENT_ID = 'heyblue-dev';
export const DEV_OIDC_PATH = '/dev/oidc';
export const MOBILE_REDIRECT_URI = 'com.heyblue.app:/oauth2redirect';

export interface OidcProviderConfig {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  /** Empty: the mobile redirect and `<base>/admin/callback`. */
  redirectUris: string[];
}

function parseProviders(raw: string, production: boolean): OidcProviderConfig[] {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new Error('Invalid configuration:\n  - OIDC_PROVIDERS: not valid JSON');
  }
  if (!Array.isArray(list))
    throw new Error('Invalid configuration:\n  - OIDC_PROVIDERS: must be a JSON array');
  const seen = new Set<string>();
  return list.map((p: Record<string, unknown>, i) => {
    const bad = (m: string) => new Error(`Invalid configuration:\n  - OIDC_PROVIDERS[${i}]: ${m}`);
    const str = (k: string) =>
      typeof p[k] === 'string' && (p[k] as string).length > 0 ? (p[k] as string) : undefined;
    const id = str('id');
    if (!id || !/^[a-z0-9-]{1,32}$/.test(id)) throw bad('id must be 1-32 lowercase letters, digits or -');
    if (seen.has(id) || id === DEV_PROVIDER_ID) throw bad(`duplicate or reserved id ${id}`);
    seen.add(id);
    const issuer = str('issuer');
    if (!issuer || !/^https?:\/\//.test(issuer)) throw bad('issuer must be an http(s) URL');
    if (production && !issuer.startsWith('https://')) throw bad('issuer must use https in production');
    const clientId = str('clientId');
    if (!clientId) throw bad('clientId is required');
    const redirectUris = Array.isArray(p.redirectUris)
      ? p.redirectUris.filter((u): u is string => typeof u === 'string')
      : [];
    return {
      id,
      name: str('name') ?? id,
      issuer,
      clientId,
      clientSecret: str('clientSecret'),
      scopes: str('scopes') ?? 'openid email profile',
      redirectUris,
    };
  });
}

/** Outside development mode validation has refused to boot without real keys; this only guards a bypass. */
function configuredKey(b64: string | undefined, name: string, devMode: boolean, purpose: string): Buffer {
  if (b64) return decodeKey(b64, name);
  if (!devMode) throw new Error(`${name} is required outside development mode`);
  return devKey(purpose);
}

function buildCipher(env: Env, devMode: boolean): PiiCipher {
  const keys = new Map<string, Buffer>();
  for (const part of env.IAM_PII_PREVIOUS_KEYS.split(',').filter(Boolean)) {
    const [kid, b64] = part.split(':');
    keys.set(kid!, decodeKey(b64!, `IAM_PII_PREVIOUS_KEYS ${kid}`));
  }
  keys.set(
    env.IAM_PII_KEY_ID,
    configuredKey(env.IAM_PII_ENCRYPTION_KEY, 'IAM_PII_ENCRYPTION_KEY', devMode, 'pii-aes'),
  );
  const hmacKey = configuredKey(env.IAM_PII_HMAC_KEY, 'IAM_PII_HMAC_KEY', devMode, 'pii-hmac');
  return new PiiCipher({ currentKid: env.IAM_PII_KEY_ID, keys, hmacKey });
}

/** IAM's view of the validated environment. */
@Injectable()
export class IamConfig {
  readonly devMode: boolean;
  readonly production: boolean;
  readonly providers: OidcProviderConfig[];
  readonly accessTokenTtlS: number;
  readonly stateTtlS: number;
  readonly registrationTtlS: number;
  readonly publicBaseUrl?: string;
  readonly smsAdapter: 'twilio' | 'outbox';
  readonly cipher: PiiCipher;
  readonly env: Env;
  /** ISO 3166 alpha-2 codes of the countries OTPs may go to. */
  readonly otpCountries: readonly string[];
  readonly adminSessionTtlS: number;
  readonly sessionRetentionDays: number;
  readonly sessionPruneEveryMs: number;

  constructor(config: ConfigService<Env, true>) {
    const get = <K extends keyof Env>(k: K) => config.get(k, { infer: true }) as Env[K];
    this.env = new Proxy({} as Env, { get: (_t, k: string) => get(k as keyof Env) });
    this.production = get('NODE_ENV') === 'production';
    this.devMode = get('HEYBLUE_DEV_MODE') && !this.production;
    this.providers = parseProviders(get('OIDC_PROVIDERS'), this.production);
    this.accessTokenTtlS = get('IAM_ACCESS_TOKEN_TTL_S');
    this.stateTtlS = get('IAM_OIDC_STATE_TTL_S');
    this.registrationTtlS = get('IAM_REGISTRATION_TTL_S');
    this.publicBaseUrl = get('PUBLIC_BASE_URL')?.replace(/\/$/, '') || undefined;
    this.smsAdapter = get('SMS_ADAPTER') ?? (this.devMode ? 'outbox' : 'twilio');
    this.cipher = buildCipher(this.env, this.devMode);
    this.otpCountries = get('IAM_OTP_COUNTRIES').split(',');
    const unknown = this.otpCountries.filter((c) => !isSupportedCountry(c as CountryCode, metadata));
    if (unknown.length > 0)
      throw new Error(
        `Invalid configuration:\n  - IAM_OTP_COUNTRIES: no phone numbering plan for ${unknown.join(', ')}`,
      );
    this.adminSessionTtlS = get('IAM_ADMIN_SESSION_TTL_S');
    this.sessionRetentionDays = get('IAM_SESSION_RETENTION_DAYS');
    this.sessionPruneEveryMs = get('IAM_SESSION_PRUNE_EVERY_MS');
  }
}

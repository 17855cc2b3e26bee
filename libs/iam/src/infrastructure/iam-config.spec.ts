import type { ConfigService } from '@nestjs/config';
import { validateEnvironment, type Env } from '@heyblue/platform';
import { IamConfig } from './iam-config.js';

const base = { DATABASE_URL: 'postgresql://x@localhost/db', REDIS_URL: 'redis://localhost:6379' };
const KEY = Buffer.alloc(32, 7).toString('base64');
/** Outside development mode the server starts only with its own keys. */
const OWN_KEYS = {
  IAM_PII_ENCRYPTION_KEY: KEY,
  IAM_PII_HMAC_KEY: KEY,
  REPORTING_PSEUDONYM_KEY: KEY,
  VOUCHER_KEY_ENCRYPTION_KEY: KEY,
};
const configOf = (raw: Record<string, string>, overrides: Partial<Env> = {}) => {
  const env = { ...validateEnvironment({ ...base, ...OWN_KEYS, ...raw }), ...overrides } as Env;
  return new IamConfig({ get: (k: keyof Env) => env[k] } as unknown as ConfigService<Env, true>);
};
const PROD_SECRETS = {
  NODE_ENV: 'production',
  IAM_PII_ENCRYPTION_KEY: KEY,
  IAM_PII_HMAC_KEY: KEY,
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'a-real-looking-auth-token',
  TWILIO_VERIFY_SERVICE_SID: `VA${'0'.repeat(32)}`,
  OIDC_PROVIDERS: JSON.stringify([
    { id: 'acme', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'heyblue' },
  ]),
};

describe('IAM configuration', () => {
  it('requires the PII keys and Twilio credentials in production', () => {
    expect(() => validateEnvironment({ ...base, NODE_ENV: 'production' })).toThrow(
      /IAM_PII_ENCRYPTION_KEY[\s\S]*IAM_PII_HMAC_KEY[\s\S]*TWILIO_ACCOUNT_SID/,
    );
    // Other contexts may require their own production secrets; none of IAM's may be reported.
    let message = '';
    try {
      validateEnvironment({ ...base, ...PROD_SECRETS });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toMatch(/IAM_|TWILIO_|SMS_ADAPTER|OIDC_/);
  });

  it('refuses the SMS outbox outside development mode', () => {
    expect(() => validateEnvironment({ ...base, SMS_ADAPTER: 'outbox', HEYBLUE_DEV_MODE: 'false' })).toThrow(
      /SMS_ADAPTER/,
    );
  });

  it('defaults to the outbox in development mode and to Twilio otherwise', () => {
    expect(configOf({ HEYBLUE_DEV_MODE: 'true' }).smsAdapter).toBe('outbox');
    expect(configOf({ HEYBLUE_DEV_MODE: 'false' }).smsAdapter).toBe('twilio');
  });

  it('parses OIDC providers and refuses malformed or reserved ones', () => {
    const cfg = configOf({
      OIDC_PROVIDERS: JSON.stringify([
        {
          id: 'google',
          name: 'Google',
          issuer: 'https://accounts.google.com',
          clientId: 'abc',
          clientSecret: 's',
        },
      ]),
    });
    expect(cfg.providers).toEqual([
      {
        id: 'google',
        name: 'Google',
        issuer: 'https://accounts.google.com',
        clientId: 'abc',
        clientSecret: 's',
        scopes: 'openid email profile',
        redirectUris: [],
      },
    ]);
    expect(() => configOf({ OIDC_PROVIDERS: '[{"id":"dev","issuer":"https://x","clientId":"a"}]' })).toThrow(
      /reserved/,
    );
    expect(() => configOf({ OIDC_PROVIDERS: '[{"id":"x","issuer":"ftp://x","clientId":"a"}]' })).toThrow(
      /issuer/,
    );
    expect(() => configOf({ OIDC_PROVIDERS: '[{"id":"x","issuer":"https://x"}]' })).toThrow(/clientId/);
    expect(() => configOf({ OIDC_PROVIDERS: '[not json]' })).toThrow(/JSON/);
  });

  it('refuses http issuers in production', () => {
    const providers = '[{"id":"x","issuer":"http://idp.example","clientId":"a"}]';
    expect(() => configOf({ OIDC_PROVIDERS: providers }, { NODE_ENV: 'production' })).toThrow(/https/);
    expect(configOf({ OIDC_PROVIDERS: providers }).providers[0]!.issuer).toBe('http://idp.example');
  });

  it('keeps previous PII keys readable after rotation', () => {
    const old = configOf({ IAM_PII_KEY_ID: 'k1', IAM_PII_ENCRYPTION_KEY: KEY });
    const field = { table: 'iam_account', column: 'phone_cipher', row: 'a1' } as const;
    const envelope = old.cipher.encrypt('+15551234567', field);
    const rotated = configOf({
      IAM_PII_KEY_ID: 'k2',
      IAM_PII_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      IAM_PII_PREVIOUS_KEYS: `k1:${KEY}`,
    });
    expect(rotated.cipher.decrypt(envelope, field)).toBe('+15551234567');
  });
});

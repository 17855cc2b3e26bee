import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import type { ConfigService } from '@nestjs/config';
import { validateEnvironment, type Env } from '@heyblue/platform';
import { VoucherSigner } from './voucher-signer.js';

const BASE = { DATABASE_URL: 'postgresql://x@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1:6379', HEYBLUE_DEV_MODE: 'true' };

function signer(env: Record<string, string>): VoucherSigner {
  const validated = validateEnvironment({ ...BASE, ...env });
  const config = { get: (key: keyof Env) => validated[key] } as unknown as ConfigService<Env, true>;
  return new VoucherSigner(config);
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

const verifyWith = (jwk: object, sig: string, text: string) =>
  verify(
    null,
    Buffer.from(text, 'utf8'),
    createPublicKey({ key: jwk as never, format: 'jwk' }),
    Buffer.from(sig, 'base64url'),
  );

describe('voucher signer', () => {
  it('signs code|offerId|expiresAt so the published public JWK verifies it', () => {
    const keys = keyPair();
    const s = signer({ VOUCHER_SIGNING_KEY: b64(keys.privatePem), VOUCHER_SIGNING_KID: 'k-2026' });
    const sig = s.sign('CODE', 'offer-1', '2026-12-01T00:00:00.000Z');
    const [current] = s.publishedKeys();
    expect(current).toMatchObject({
      kid: 'k-2026',
      alg: 'EdDSA',
      jwk: { kty: 'OKP', crv: 'Ed25519', kid: 'k-2026' },
    });
    expect((current!.jwk as { d?: string }).d).toBeUndefined();
    expect(verifyWith(current!.jwk, sig, 'CODE|offer-1|2026-12-01T00:00:00.000Z')).toBe(true);
    expect(verifyWith(current!.jwk, sig, 'CODE|offer-1|2026-12-02T00:00:00.000Z')).toBe(false);
  });

  it('accepts the private key as a base64 JWK too', () => {
    const keys = keyPair();
    const s = signer({ VOUCHER_SIGNING_KEY: b64(keys.privateJwk) });
    expect(s.verify(s.kid, 'A', 'o', 'e', s.sign('A', 'o', 'e'))).toBe(true);
  });

  it('publishes previous public keys after the current one for rotation', () => {
    const old = keyPair();
    const s = signer({
      VOUCHER_SIGNING_KEY: b64(keyPair().privatePem),
      VOUCHER_SIGNING_KID: 'new',
      VOUCHER_PREVIOUS_PUBLIC_KEYS: `old:${b64(old.publicPem)}`,
    });
    expect(s.publishedKeys().map((k) => k.kid)).toEqual(['new', 'old']);
    const oldSigner = signer({ VOUCHER_SIGNING_KEY: b64(old.privatePem), VOUCHER_SIGNING_KID: 'old' });
    expect(s.verify('old', 'C', 'o', 'e', oldSigner.sign('C', 'o', 'e'))).toBe(true);
  });

  it('derives a stable development key when no key is configured outside production', () => {
    const a = signer({ NODE_ENV: 'development' });
    const b = signer({ NODE_ENV: 'test' });
    expect(a.publishedKeys()[0]!.jwk).toEqual(b.publishedKeys()[0]!.jwk);
  });

  it('refuses to boot outside development mode without a signing key', () => {
    expect(() => validateEnvironment({ ...BASE, HEYBLUE_DEV_MODE: 'false' })).toThrow(/VOUCHER_SIGNING_KEY/);
  });

  it('refuses a key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => signer({ VOUCHER_SIGNING_KEY: b64(pem) })).toThrow(/Ed25519/);
  });
});

import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Parses voucher keys from configuration: base64 of a PEM or of a JWK. Outside production
 * an empty signing key yields a fixed development key derived from a public seed, so dev
 * vouchers survive restarts; production refuses to boot without a real key.
 */

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function devSigningKey(): KeyObject {
  const seed = createHash('sha256').update('heyblue development voucher key (not secret)').digest();
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function decode(base64: string): string {
  return Buffer.from(base64, base64.includes('-') || base64.includes('_') ? 'base64url' : 'base64')
    .toString('utf8')
    .trim();
}

export function parsePrivateKey(base64: string): KeyObject {
  const text = decode(base64);
  const key = text.startsWith('{')
    ? createPrivateKey({ key: JSON.parse(text) as never, format: 'jwk' })
    : createPrivateKey(text);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error('VOUCHER_SIGNING_KEY must be an Ed25519 private key');
  return key;
}

export function parsePublicKey(base64: string): KeyObject {
  const text = decode(base64);
  let key: KeyObject;
  if (text.startsWith('{')) {
    const jwk = JSON.parse(text) as Record<string, unknown>;
    const { d: _private, ...publicJwk } = jwk;
    key = createPublicKey({ key: publicJwk as never, format: 'jwk' });
  } else {
    key = createPublicKey(text);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('voucher public keys must be Ed25519');
  return key;
}

/** `kid:base64,...` → [{kid, key}]. */
export function parsePreviousKeys(spec: string): Array<{ kid: string; key: KeyObject }> {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const i = part.indexOf(':');
      return { kid: part.slice(0, i), key: parsePublicKey(part.slice(i + 1)) };
    });
}

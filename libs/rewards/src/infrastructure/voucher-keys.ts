import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/**
 * Voucher signing keys at rest: Ed25519 private keys (PKCS#8 DER) sealed with AES-256-GCM under
 * the key-encryption key (KEK) from the secret store. The AAD binds a ciphertext to its kid, so a
 * row's private key cannot be swapped for another row's.
 */

const VERSION = 'v1';
/** GCM allows shorter tags; a truncated tag is easier to forge, so only the full 16 bytes are accepted. */
const TAG_BYTES = 16;

/** Well-known development KEK (HEYBLUE_DEV_MODE only): derived from a public string, protects nothing. */
export function devKeyEncryptionKey(): Buffer {
  return createHash('sha256').update('heyblue-development-only:voucher-kek').digest();
}

export function decodeKek(b64: string): Buffer {
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32) throw new Error('VOUCHER_KEY_ENCRYPTION_KEY must be base64 of exactly 32 bytes');
  return key;
}

const aad = (kid: string) => Buffer.from(`rewards_voucher_key|private_key|${kid}`, 'utf8');

export function sealPrivateKey(kek: Buffer, kid: string, privateKey: KeyObject): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid));
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const data = Buffer.concat([cipher.update(der), cipher.final()]);
  return [
    VERSION,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    data.toString('base64url'),
  ].join('.');
}

/** Throws when the KEK is not the one that sealed it, or the ciphertext was altered or moved. */
export function openPrivateKey(kek: Buffer, kid: string, sealed: string): KeyObject {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed voucher key');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (tagBytes.length !== TAG_BYTES) throw new Error('sealed voucher key has a truncated tag');
  const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aad(kid));
  decipher.setAuthTag(tagBytes);
  const der = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('voucher keys must be Ed25519');
  return key;
}

export function newSigningKey(): { privateKey: KeyObject; publicJwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicJwk: publicKey.export({ format: 'jwk' }) };
}

export function publicKeyOf(jwk: JsonWebKey): KeyObject {
  const { d: _private, ...publicJwk } = jwk;
  return createPublicKey({ key: publicJwk as never, format: 'jwk' });
}

import { randomBytes, sign, verify } from 'node:crypto';
import { decodeKek, newSigningKey, openPrivateKey, publicKeyOf, sealPrivateKey } from './voucher-keys.js';

const kek = () => randomBytes(32);

describe('voucher signing keys at rest', () => {
  it('seals a private key under the key-encryption key; opened, it signs what the published public key verifies', () => {
    const k = kek();
    const { privateKey, publicJwk } = newSigningKey();
    const sealed = sealPrivateKey(k, 'vk-1', privateKey);
    expect(sealed).not.toContain(privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url'));
    const opened = openPrivateKey(k, 'vk-1', sealed);
    const sig = sign(null, Buffer.from('CODE|offer|2026-12-31T00:00:00.000Z'), opened);
    expect(
      verify(null, Buffer.from('CODE|offer|2026-12-31T00:00:00.000Z'), publicKeyOf(publicJwk), sig),
    ).toBe(true);
    expect(publicJwk).not.toHaveProperty('d');
  });

  it('does not open under another key-encryption key, nor as another kid (the ciphertext is bound to its row)', () => {
    const k = kek();
    const sealed = sealPrivateKey(k, 'vk-1', newSigningKey().privateKey);
    expect(() => openPrivateKey(kek(), 'vk-1', sealed)).toThrow();
    expect(() => openPrivateKey(k, 'vk-2', sealed)).toThrow();
  });

  it('refuses a truncated authentication tag (GCM tags are pinned to 16 bytes)', () => {
    const k = kek();
    const [v, iv, tag, data] = sealPrivateKey(k, 'vk-1', newSigningKey().privateKey).split('.');
    const short = Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => openPrivateKey(k, 'vk-1', [v, iv, short, data].join('.'))).toThrow(/truncated tag/);
  });

  it('takes only a 32-byte key-encryption key', () => {
    expect(() => decodeKek(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(decodeKek(randomBytes(32).toString('base64'))).toHaveLength(32);
  });
});

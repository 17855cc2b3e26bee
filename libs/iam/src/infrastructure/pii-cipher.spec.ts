import { createCipheriv, randomBytes } from 'node:crypto';
import { PiiCipher, devKey, type PiiField } from './pii-cipher.js';

const keys = (current: string, entries: Array<[string, Buffer]>) => ({
  currentKid: current,
  keys: new Map(entries),
  hmacKey: devKey('hmac'),
});
const phoneOf = (row: string): PiiField => ({ table: 'iam_account', column: 'phone_cipher', row });
const emailOf = (row: string): PiiField => ({ table: 'iam_account', column: 'email_cipher', row });

/** An envelope as written before ciphertexts were bound to their row (AAD: the kid only). */
function legacyEnvelope(kid: string, key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(kid));
  const data = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return [
    'v1',
    kid,
    iv.toString('base64url'),
    c.getAuthTag().toString('base64url'),
    data.toString('base64url'),
  ].join('.');
}

describe('PiiCipher', () => {
  it('round-trips a value and never stores it in clear', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const env = c.encrypt('+15551234567', phoneOf('a1'));
    expect(env).not.toContain('5551234567');
    expect(env.startsWith('v2.k1.')).toBe(true);
    expect(env.startsWith(c.currentPrefix)).toBe(true);
    expect(c.decrypt(env, phoneOf('a1'))).toBe('+15551234567');
  });

  it('binds a ciphertext to its table, column and row: moved anywhere else it does not decrypt', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const env = c.encrypt('+15551234567', phoneOf('victim'));
    expect(() => c.decrypt(env, phoneOf('attacker'))).toThrow();
    expect(() => c.decrypt(env, emailOf('victim'))).toThrow();
    expect(() =>
      c.decrypt(env, { table: 'iam_officer_roster', column: 'phone_cipher', row: 'victim' }),
    ).toThrow();
  });

  it('reads values written under a previous key after rotation', () => {
    const old = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const env = old.encrypt('jane@example.com', emailOf('a1'));
    const rotated = new PiiCipher(
      keys('k2', [
        ['k2', devKey('b')],
        ['k1', devKey('a')],
      ]),
    );
    expect(rotated.decrypt(env, emailOf('a1'))).toBe('jane@example.com');
    expect(rotated.encrypt('x', emailOf('a1')).split('.')[1]).toBe('k2');
    expect(env.startsWith(rotated.currentPrefix)).toBe(false);
  });

  it('reads the unbound v1 envelopes written before, until they are re-encrypted', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const legacy = legacyEnvelope('k1', devKey('a'), 'jane@example.com');
    expect(c.decrypt(legacy, emailOf('a1'))).toBe('jane@example.com');
    expect(legacy.startsWith(c.currentPrefix)).toBe(false);
  });

  it('rejects a tampered ciphertext', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const parts = c.encrypt('jane@example.com', emailOf('a1')).split('.');
    parts[4] = Buffer.from('jane@example.org').toString('base64url');
    expect(() => c.decrypt(parts.join('.'), emailOf('a1'))).toThrow();
  });

  it('rejects a truncated tag: GCM tags are pinned to 16 bytes', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const parts = c.encrypt('jane@example.com', emailOf('a1')).split('.');
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(16);
    for (const bytes of [4, 8, 12]) {
      const short = [...parts];
      short[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, bytes).toString('base64url');
      expect(() => c.decrypt(short.join('.'), emailOf('a1'))).toThrow(/truncated tag/);
    }
  });

  it('gives the same blind index for differently cased e-mails and a different one per kind', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    expect(c.blindIndex('email', 'Jane@Example.com ')).toBe(c.blindIndex('email', 'jane@example.com'));
    expect(c.blindIndex('phone', '+1555')).not.toBe(c.blindIndex('email', '+1555'));
  });
});

import { PiiCipher, devKey } from './pii-cipher.js';

const keys = (current: string, entries: Array<[string, Buffer]>) => ({ currentKid: current, keys: new Map(entries), hmacKey: devKey('hmac') });

describe('PiiCipher', () => {
  it('round-trips a value and never stores it in clear', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const env = c.encrypt('+15551234567');
    expect(env).not.toContain('5551234567');
    expect(env.startsWith('v1.k1.')).toBe(true);
    expect(c.decrypt(env)).toBe('+15551234567');
  });

  it('reads values written under a previous key after rotation', () => {
    const old = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const env = old.encrypt('jane@example.com');
    const rotated = new PiiCipher(keys('k2', [['k2', devKey('b')], ['k1', devKey('a')]]));
    expect(rotated.decrypt(env)).toBe('jane@example.com');
    expect(rotated.encrypt('x').split('.')[1]).toBe('k2');
  });

  it('rejects a tampered ciphertext', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    const parts = c.encrypt('jane@example.com').split('.');
    parts[4] = Buffer.from('jane@example.org').toString('base64url');
    expect(() => c.decrypt(parts.join('.'))).toThrow();
  });

  it('gives the same blind index for differently cased e-mails and a different one per kind', () => {
    const c = new PiiCipher(keys('k1', [['k1', devKey('a')]]));
    expect(c.blindIndex('email', 'Jane@Example.com ')).toBe(c.blindIndex('email', 'jane@example.com'));
    expect(c.blindIndex('phone', '+1555')).not.toBe(c.blindIndex('email', '+1555'));
  });
});

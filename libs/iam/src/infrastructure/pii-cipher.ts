import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/** Ciphertext envelope: `v1.<kid>.<iv>.<tag>.<data>` (base64url parts) so old keys stay readable after rotation. */
const VERSION = 'v1';

export interface PiiKeys {
  currentKid: string;
  /** kid → 32-byte AES key; must contain currentKid. */
  keys: Map<string, Buffer>;
  /** Key of the blind index (HMAC-SHA256). Rotating it means re-indexing, so it has no kid. */
  hmacKey: Buffer;
}

/** Decodes a base64 32-byte key. */
export function decodeKey(b64: string, name: string): Buffer {
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be base64 of exactly 32 bytes`);
  return key;
}

/** Well-known development keys: derived from a public string, never for real data (production requires real ones). */
export function devKey(purpose: string): Buffer {
  return createHash('sha256').update(`heyblue-development-only:${purpose}`).digest();
}

/**
 * AES-256-GCM for PII at rest (e-mail, phone), with an HMAC-SHA256 blind index so
 * lookups by e-mail/phone never need the plaintext in the database.
 */
export class PiiCipher {
  constructor(private readonly k: PiiKeys) {
    if (!k.keys.has(k.currentKid)) throw new Error(`PII key ${k.currentKid} missing`);
  }

  get currentKid(): string {
    return this.k.currentKid;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.k.keys.get(this.k.currentKid)!, iv);
    cipher.setAAD(Buffer.from(this.k.currentKid));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.k.currentKid, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(envelope: string): string {
    const [version, kid, iv, tag, data] = envelope.split('.');
    if (version !== VERSION || !kid || !iv || !tag || data === undefined) throw new Error('not a PII envelope');
    const key = this.k.keys.get(kid);
    if (!key) throw new Error(`PII key ${kid} is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Keyed hash of a normalised value: equal inputs give equal indexes, the key keeps them unguessable. */
  blindIndex(kind: 'email' | 'phone', value: string): string {
    const normalised = kind === 'email' ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, '');
    return createHmac('sha256', this.k.hmacKey).update(`${kind}:${normalised}`).digest('hex');
  }
}

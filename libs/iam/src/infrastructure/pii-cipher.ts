import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/** Ciphertext envelope: `v2.<kid>.<iv>.<tag>.<data>` (base64url parts) so old keys stay readable after rotation. */
const VERSION = 'v2';
/** Before ciphertexts were bound to their table, column and row (AAD: the kid alone). */
const LEGACY_VERSION = 'v1';

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

/** Where a ciphertext lives: bound into its AAD, so it cannot be moved to another row or column. */
export interface PiiField {
  table: 'iam_account' | 'iam_officer_roster' | 'iam_admin_grant';
  column: 'email_cipher' | 'phone_cipher';
  /** The row's stable key (the account id; the e-mail's blind index for roster and admin grants). */
  row: string;
}

/** GCM accepts shorter tags, and a short tag is easier to forge: only the full 16 bytes are written or read. */
const TAG_BYTES = 16;

const aad = (kid: string, f: PiiField) =>
  Buffer.from(`${VERSION}|${kid}|${f.table}.${f.column}|${f.row}`, 'utf8');

/**
 * AES-256-GCM for PII at rest (e-mail, phone), with an HMAC-SHA256 blind index so
 * lookups by e-mail/phone never need the plaintext in the database. Envelopes are
 * `v2.<kid>.<iv>.<tag>.<data>`; `v1` envelopes (written before ciphertexts were bound to their
 * row) stay readable until the background re-encryption has rewritten them.
 */
export class PiiCipher {
  constructor(private readonly k: PiiKeys) {
    if (!k.keys.has(k.currentKid)) throw new Error(`PII key ${k.currentKid} missing`);
  }

  get currentKid(): string {
    return this.k.currentKid;
  }

  /** Prefix of envelopes written under the current key and format (anything else is due for re-encryption). */
  get currentPrefix(): string {
    return `${VERSION}.${this.k.currentKid}.`;
  }

  encrypt(plaintext: string, field: PiiField): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.k.keys.get(this.k.currentKid)!, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(aad(this.k.currentKid, field));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.k.currentKid,
      iv.toString('base64url'),
      tag.toString('base64url'),
      data.toString('base64url'),
    ].join('.');
  }

  decrypt(envelope: string, field: PiiField): string {
    const [version, kid, iv, tag, data] = envelope.split('.');
    if ((version !== VERSION && version !== LEGACY_VERSION) || !kid || !iv || !tag || data === undefined)
      throw new Error('not a PII envelope');
    const key = this.k.keys.get(kid);
    if (!key) throw new Error(`PII key ${kid} is not configured`);
    const tagBytes = Buffer.from(tag, 'base64url');
    if (tagBytes.length !== TAG_BYTES) throw new Error('PII envelope has a truncated tag');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(version === VERSION ? aad(kid, field) : Buffer.from(kid));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  /** Keyed hash of a normalised value: equal inputs give equal indexes, the key keeps them unguessable. */
  blindIndex(kind: 'email' | 'phone', value: string): string {
    const normalised = kind === 'email' ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, '');
    return createHmac('sha256', this.k.hmacKey).update(`${kind}:${normalised}`).digest('hex');
  }
}

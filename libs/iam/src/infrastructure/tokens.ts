import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An opaque, unguessable token (256 bits) with a readable type prefix. */
export const newToken = (prefix: 'hba' | 'hbr' | 'hbg'): string =>
  `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Tokens are stored and looked up only as SHA-256 (a leaked table yields no usable token). */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { IamErrors } from '../iam.errors.js';

/** RFC 7636 §4.1: 43-128 characters of the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 S256: base64url (no padding) of SHA-256 of the ASCII verifier. */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * The callback must present the verifier behind the challenge given at start (RFC 7636,
 * RFC 8252 §8.1). Compared in constant time, so the answer's timing tells nothing about how
 * much of a guess matched.
 */
export function codeVerifierMustMatchChallenge(verifier: unknown, challenge: string): string {
  const ok = typeof verifier === 'string' && VERIFIER.test(verifier);
  // Always hash and compare (a fixed-size digest), so a malformed verifier costs the same.
  const actual = Buffer.from(s256Challenge(ok ? verifier : ''), 'ascii');
  const expected = Buffer.from(challenge, 'ascii');
  const same = actual.length === expected.length && timingSafeEqual(actual, expected);
  if (!ok || !same) throw IamErrors.invalidCodeVerifier();
  return verifier as string;
}

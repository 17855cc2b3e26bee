/**
 * The voucher signing key ring's rules, free of storage and crypto: which key signs now, which
 * public keys are published, and when a new key is due.
 *
 * A new key is written with `signsFrom` one refresh interval ahead: every instance reloads the
 * ring at least that often, so each one publishes the key before any of them signs with it, and
 * they all switch at the same moment by the clock without talking to each other.
 */

export interface RingKey {
  kid: string;
  createdAt: Date;
  signsFrom: Date;
  /** False when the private key cannot be decrypted (e.g. the key-encryption key changed). */
  usable: boolean;
  /** A voucher it signed has not expired yet (as of the last reload). */
  hasLiveVouchers: boolean;
}

/** The key vouchers are signed with at `now`: the newest usable key whose `signsFrom` has passed. */
export function signingKey<K extends RingKey>(keys: readonly K[], now: Date): K | undefined {
  let best: K | undefined;
  for (const k of keys) {
    if (!k.usable || k.signsFrom.getTime() > now.getTime()) continue;
    if (!best || k.signsFrom.getTime() > best.signsFrom.getTime()) best = k;
  }
  return best;
}

/**
 * Public keys to publish at `now`, the signing key first: the signing key, keys about to sign,
 * and retired keys until the last voucher they signed has expired.
 */
export function publishedKeys<K extends RingKey>(keys: readonly K[], now: Date): K[] {
  const current = signingKey(keys, now);
  const upcoming = keys.filter((k) => k.signsFrom.getTime() > now.getTime());
  const retired = keys.filter(
    (k) => k !== current && k.signsFrom.getTime() <= now.getTime() && k.hasLiveVouchers,
  );
  const byNewest = (a: K, b: K) => b.signsFrom.getTime() - a.signsFrom.getTime();
  return [...(current ? [current] : []), ...upcoming.sort(byNewest), ...retired.sort(byNewest)];
}

export type RotationDue =
  | { due: false }
  | { due: true; signsFrom: Date; reason: 'first key' | 'no usable key' | 'key too old' | 'requested' };

/**
 * Whether a new key should be made at `now`. Nothing is due while a newer key waits for its
 * turn. With no usable key at all nobody can sign, so the new key signs at once.
 */
export function rotationDue(
  keys: readonly RingKey[],
  now: Date,
  policy: { rotationDays: number; refreshS: number },
): RotationDue {
  if (keys.some((k) => k.usable && k.signsFrom.getTime() > now.getTime())) return { due: false };
  const current = signingKey(keys, now);
  if (!current)
    return { due: true, signsFrom: now, reason: keys.length === 0 ? 'first key' : 'no usable key' };
  if (now.getTime() - current.createdAt.getTime() >= policy.rotationDays * 86_400_000) {
    return { due: true, signsFrom: new Date(now.getTime() + policy.refreshS * 1000), reason: 'key too old' };
  }
  return { due: false };
}

/** A rotation asked for by an operator: the new key signs one refresh interval from now (at once when nothing can sign). */
export function requestedRotation(
  keys: readonly RingKey[],
  now: Date,
  refreshS: number,
): Extract<RotationDue, { due: true }> {
  const signsFrom = signingKey(keys, now) ? new Date(now.getTime() + refreshS * 1000) : now;
  return { due: true, signsFrom, reason: 'requested' };
}

/** `vk-<yyyymmdd>-<random>`: sortable by eye, unique by its random part. */
export function newKid(now: Date, random: string): string {
  return `vk-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${random}`;
}

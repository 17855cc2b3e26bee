/** Profile vocabulary shared by the projections and the API. */

export type ProfileRole = 'citizen' | 'officer' | 'admin';

export const ROLES: readonly ProfileRole[] = ['citizen', 'officer', 'admin'];

/** Shown until the user picks a name (the provider gave none). */
export const DEFAULT_DISPLAY_NAME = 'Hey Blue member';

/** Provider names can be anything: trimmed, clipped to the 40 characters a chosen name may have. */
export function displayNameFromProvider(name: string | null | undefined): string {
  const clean = (name ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
  return clean.length >= 2 ? clean : DEFAULT_DISPLAY_NAME;
}

/**
 * What citizens see of an officer until the officer picks a name: first name and last initial
 * ("Jane Q. Doe" → "Jane D."), never the provider's full name (officer safety). Idempotent.
 */
export function officerDisplayName(name: string | null | undefined): string {
  const clean = displayNameFromProvider(name);
  const words = clean.split(' ');
  if (clean === DEFAULT_DISPLAY_NAME || words.length < 2) return clean;
  const initial = [...words[words.length - 1]!][0]!.toLocaleUpperCase('en-US');
  return `${words[0]} ${initial}.`;
}

export function asRole(role: unknown): ProfileRole {
  return ROLES.includes(role as ProfileRole) ? (role as ProfileRole) : 'citizen';
}

/** The fields a user may edit. */
export interface ProfileEdits {
  displayName?: string;
  bio?: string | null;
  avatarUrl?: string | null;
  zip?: string | null;
  shareConsent?: boolean;
}

/** Fields of the edit whose value differs from the profile's (unsent fields never count). */
export function changedFields(
  current: Required<ProfileEdits>,
  edits: ProfileEdits,
): Array<keyof ProfileEdits> {
  return (Object.keys(edits) as Array<keyof ProfileEdits>).filter(
    (k) => edits[k] !== undefined && edits[k] !== current[k],
  );
}

/** A trophy an account holds, as the read model stores it. */
export interface AwardedTrophy {
  code: string;
  awardedAt: Date;
}

/** A profile as the read model stores it; the HTTP views are derived from it, never the reverse. */
export interface ProfileRecord {
  id: string;
  displayName: string;
  bio: string | null;
  avatarUrl: string | null;
  zip: string | null;
  role: string;
  precinct: string | null;
  pointsBalance: number;
  connectionsCount: number;
  shareConsent: boolean;
  trophies: AwardedTrophy[];
}

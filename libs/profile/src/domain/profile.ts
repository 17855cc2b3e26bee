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

export function asRole(role: unknown): ProfileRole {
  return ROLES.includes(role as ProfileRole) ? (role as ProfileRole) : 'citizen';
}

import { trophyName } from '../domain/trophies.js';
import type { AwardedTrophy, ProfileRecord } from '../domain/profile.js';

export interface TrophyView {
  code: string;
  name: string;
  awardedAt: string;
}

export interface ProfileView {
  id: string;
  displayName: string;
  bio: string | null;
  avatarUrl: string | null;
  zip: string | null;
  role: string;
  precinct: string | null;
  pointsBalance: number;
  connectionsCount: number;
  trophies: TrophyView[];
  shareConsent: boolean;
}

/** What anyone may see of a profile: no bio, ZIP, balance, precinct or consent. */
export type PublicProfileView = Pick<
  ProfileView,
  'id' | 'displayName' | 'avatarUrl' | 'role' | 'connectionsCount' | 'trophies'
>;

const trophies = (rows: AwardedTrophy[]): TrophyView[] =>
  rows.map((t) => ({ code: t.code, name: trophyName(t.code), awardedAt: t.awardedAt.toISOString() }));

export function toProfileView(p: ProfileRecord): ProfileView {
  return { ...p, trophies: trophies(p.trophies) };
}

export function toPublicView(p: ProfileRecord): PublicProfileView {
  return {
    id: p.id,
    displayName: p.displayName,
    avatarUrl: p.avatarUrl,
    role: p.role,
    connectionsCount: p.connectionsCount,
    trophies: trophies(p.trophies),
  };
}

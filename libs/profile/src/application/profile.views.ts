import { trophyName } from '../domain/trophies.js';
import type { ProfileRow, TrophyRow } from '../infrastructure/prisma-profile.store.js';

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

export interface PublicProfileView {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  role: string;
  connectionsCount: number;
  trophies: TrophyView[];
}

const trophies = (rows: TrophyRow[]): TrophyView[] =>
  rows.map((t) => ({ code: t.code, name: trophyName(t.code), awardedAt: t.awardedAt.toISOString() }));

export function toProfileView(p: ProfileRow & { trophies: TrophyRow[] }): ProfileView {
  return {
    id: p.id,
    displayName: p.displayName,
    bio: p.bio,
    avatarUrl: p.avatarUrl,
    zip: p.zip,
    role: p.role,
    precinct: p.precinct,
    pointsBalance: p.pointsBalance,
    connectionsCount: p.connectionsCount,
    trophies: trophies(p.trophies),
    shareConsent: p.shareConsent,
  };
}

/** What anyone may see of a profile: no bio, ZIP, balance, precinct or consent. */
export function toPublicView(p: ProfileRow & { trophies: TrophyRow[] }): PublicProfileView {
  return {
    id: p.id,
    displayName: p.displayName,
    avatarUrl: p.avatarUrl,
    role: p.role,
    connectionsCount: p.connectionsCount,
    trophies: trophies(p.trophies),
  };
}

/** Trophies: rule-based awards evaluated on every event that changes an account's stats. */

export interface TrophyStats {
  connections: number;
  distinctZips: number;
  donations: number;
  donatedPoints: number;
}

export interface TrophyRule {
  code: string;
  name: string;
  earned(stats: TrophyStats): boolean;
}

export const TROPHY_RULES: readonly TrophyRule[] = [
  { code: 'FIRST_CONNECTION', name: 'First connection', earned: (s) => s.connections >= 1 },
  { code: 'CONNECTIONS_10', name: '10 connections', earned: (s) => s.connections >= 10 },
  { code: 'CONNECTIONS_50', name: '50 connections', earned: (s) => s.connections >= 50 },
  { code: 'THREE_ZIPS', name: 'Connected in 3 different ZIPs', earned: (s) => s.distinctZips >= 3 },
  { code: 'FIRST_DONATION', name: 'First donation', earned: (s) => s.donations >= 1 },
  { code: 'DONATED_1000', name: '1,000 points donated', earned: (s) => s.donatedPoints >= 1_000 },
];

const NAMES = new Map(TROPHY_RULES.map((r) => [r.code, r.name]));

export function trophyName(code: string): string {
  return NAMES.get(code) ?? code;
}

/** Codes the stats earn that the account does not hold yet. */
export function newTrophies(stats: TrophyStats, held: Iterable<string>): string[] {
  const have = new Set(held);
  return TROPHY_RULES.filter((r) => !have.has(r.code) && r.earned(stats)).map((r) => r.code);
}

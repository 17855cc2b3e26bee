/** Event handler ids of the rewards context (`<context>.<handler>`: the dedupe key and queue). */
export const REWARDS_HANDLERS = {
  awardPointsOnConnection: 'rewards.award-points-on-connection',
} as const;

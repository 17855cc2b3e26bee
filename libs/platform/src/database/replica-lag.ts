/** The primary's WAL position (bytes since 0/0) at one moment, as a health check saw it. */
export interface WalSample {
  at: number;
  lsn: bigint;
}

/** What a health check read on a replica. */
export interface ReplicaReading {
  /** `pg_is_in_recovery()`: false for a server that is no (longer a) streaming replica. */
  inRecovery: boolean;
  /** `pg_last_wal_replay_lsn()` in bytes, null before the replica has replayed anything. */
  replayedLsn: bigint | null;
  /** Seconds since the commit of the last transaction replayed (`pg_last_xact_replay_timestamp()`), null if none. */
  sinceLastReplaySeconds: number | null;
}

/**
 * How stale a replica's data may be, in seconds, or null when it cannot be told (no WAL
 * replayed yet). `samples` are the primary's positions of the recent checks, oldest first,
 * the last one taken just before `reading` (so a replica at or past it was caught up at that
 * moment: lag 0).
 *
 * Two upper bounds, the smaller wins. (1) The newest sample the replica has replayed past: it
 * held everything the primary had then, so it is at most `now - sample.at` behind. (2) The time
 * since the last transaction it replayed committed: it misses only what committed later.
 * Bound (2) alone (`now() - pg_last_xact_replay_timestamp()`) grows without end while the
 * primary is idle, when nothing is missing; hence a replica at the primary's position is 0
 * first, and right after a write to an idle primary bound (1) holds it to one check interval.
 */
export function replicaLagSeconds(
  samples: readonly WalSample[],
  reading: ReplicaReading,
  now: number,
): number | null {
  const latest = samples.at(-1);
  if (reading.replayedLsn === null) return null;
  if (latest && reading.replayedLsn >= latest.lsn) return 0;
  let caughtUpAt: number | null = null;
  for (const s of samples) if (s.lsn <= reading.replayedLsn) caughtUpAt = s.at;
  const bySamples = caughtUpAt === null ? Infinity : (now - caughtUpAt) / 1000;
  const byReplay = reading.sinceLastReplaySeconds ?? Infinity;
  const lag = Math.max(0, Math.min(bySamples, byReplay));
  return Number.isFinite(lag) ? lag : null;
}

/** Keeps the samples a lag of up to `windowMs` needs (and at least the newest). */
export function trimSamples(samples: WalSample[], now: number, windowMs: number): void {
  while (samples.length > 1 && samples[0]!.at < now - windowMs) samples.shift();
}

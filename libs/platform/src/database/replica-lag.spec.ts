import { replicaLagSeconds, trimSamples, type WalSample } from './replica-lag.js';

const T = 1_000_000;
const samples: WalSample[] = [
  { at: T, lsn: 100n },
  { at: T + 1_000, lsn: 200n },
  { at: T + 2_000, lsn: 300n },
];
const reading = (replayedLsn: bigint | null, sinceLastReplaySeconds: number | null = null) => ({
  inRecovery: true,
  replayedLsn,
  sinceLastReplaySeconds,
});

describe('replicaLagSeconds', () => {
  it('is 0 for a replica at the primary position sampled just before, however old its last replayed commit (idle primary)', () => {
    expect(replicaLagSeconds(samples, reading(300n, 3_600), T + 2_010)).toBe(0);
  });

  it('is the age of the newest sample the replica has replayed past', () => {
    expect(replicaLagSeconds(samples, reading(250n, 3_600), T + 2_010)).toBeCloseTo(1.01);
  });

  it('is bounded by the time since the last replayed commit when that is smaller', () => {
    expect(replicaLagSeconds(samples, reading(150n, 0.5), T + 2_010)).toBe(0.5);
  });

  it('falls back to the time since the last replayed commit when the replica is behind every sample', () => {
    expect(replicaLagSeconds(samples, reading(50n, 42), T + 2_010)).toBe(42);
  });

  it('cannot be told before anything was replayed, or when behind every sample with no replayed commit', () => {
    expect(replicaLagSeconds(samples, reading(null, null), T + 2_010)).toBeNull();
    expect(replicaLagSeconds(samples, reading(50n, null), T + 2_010)).toBeNull();
  });
});

describe('trimSamples', () => {
  it('drops samples older than the window but keeps the newest', () => {
    const s = [...samples];
    trimSamples(s, T + 2_500, 1_000);
    expect(s.map((x) => x.lsn)).toEqual([300n]);
    trimSamples(s, T + 60_000, 1_000);
    expect(s.map((x) => x.lsn)).toEqual([300n]);
  });
});

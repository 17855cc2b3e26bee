import { AlreadyConnectedToday, TooFar } from '../connections.errors.js';
import { earningVerdict } from './earning-caps.rule.js';
import { isPlausibleMove } from './move-must-be-plausible.rule.js';
import { officerAndCitizenMustBeNearby } from './officer-and-citizen-must-be-nearby.rule.js';
import { oneConnectionPerPairPerDay, PAIR_COOLDOWN_MS } from './one-connection-per-pair-per-day.rule.js';

describe('officerAndCitizenMustBeNearby', () => {
  const officer = { lat: 40.7128, lng: -74.006 };
  it('returns the distance when the pair is within the threshold', () => {
    const d = officerAndCitizenMustBeNearby(officer, { lat: 40.7137, lng: -74.006 }, 200);
    expect(d).toBeGreaterThan(90);
    expect(d).toBeLessThan(110);
  });
  it('refuses with TOO_FAR beyond the threshold', () => {
    expect(() => officerAndCitizenMustBeNearby(officer, { lat: 40.7158, lng: -74.006 }, 200)).toThrow(TooFar);
  });
});

describe('oneConnectionPerPairPerDay', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it('allows a first connection', () => {
    expect(() => oneConnectionPerPairPerDay(null, now)).not.toThrow();
  });
  it('refuses a repeat within 24 hours', () => {
    expect(() => oneConnectionPerPairPerDay(new Date(now.getTime() - PAIR_COOLDOWN_MS + 1000), now)).toThrow(
      AlreadyConnectedToday,
    );
  });
  it('allows a repeat after 24 hours', () => {
    expect(() => oneConnectionPerPairPerDay(new Date(now.getTime() - PAIR_COOLDOWN_MS), now)).not.toThrow();
  });
});

describe('isPlausibleMove', () => {
  const a = { lat: 40, lng: -74, t: 0 };
  it('accepts the first fix', () => {
    expect(isPlausibleMove(undefined, a, 300, 100)).toBe(true);
  });
  it('accepts GPS jitter within the slack however quick', () => {
    expect(isPlausibleMove(a, { lat: 40.0005, lng: -74, t: 10 }, 300, 100)).toBe(true);
  });
  it('accepts driving at highway speed', () => {
    // ~1.1 km in 30 s ≈ 133 km/h
    expect(isPlausibleMove(a, { lat: 40.01, lng: -74, t: 30_000 }, 300, 100)).toBe(true);
  });
  it('refuses a jump implying more than the maximum speed', () => {
    // ~111 km in 60 s
    expect(isPlausibleMove(a, { lat: 41, lng: -74, t: 60_000 }, 300, 100)).toBe(false);
  });
  it('accepts the same jump once enough time has passed', () => {
    expect(isPlausibleMove(a, { lat: 41, lng: -74, t: 3_600_000 }, 300, 100)).toBe(true);
  });
});

describe('earningVerdict (anti-farming caps)', () => {
  const caps = { citizenPerDay: 3, officerPerHour: 5 };
  it('earns below both caps', () => {
    expect(earningVerdict({ citizenLastDay: 2, officerLastHour: 4 }, caps)).toEqual({
      earnsPoints: true,
      noPointsReason: null,
    });
  });
  it("earns nothing once the citizen's daily cap is reached", () => {
    expect(earningVerdict({ citizenLastDay: 3, officerLastHour: 0 }, caps)).toEqual({
      earnsPoints: false,
      noPointsReason: 'CITIZEN_DAILY_CAP',
    });
  });
  it("earns nothing once the officer's hourly cap is reached", () => {
    expect(earningVerdict({ citizenLastDay: 0, officerLastHour: 5 }, caps)).toEqual({
      earnsPoints: false,
      noPointsReason: 'OFFICER_HOURLY_CAP',
    });
  });
  it("names the citizen's cap when both are reached", () => {
    expect(earningVerdict({ citizenLastDay: 9, officerLastHour: 9 }, caps).noPointsReason).toBe(
      'CITIZEN_DAILY_CAP',
    );
  });
});

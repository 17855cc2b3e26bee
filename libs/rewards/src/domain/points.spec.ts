import { applicableScheme, donationValueUsd, pointsForConnection } from './points.js';

const scheme = (id: string, multiplier: number, from: string, until: string) => ({
  id,
  multiplier,
  validFrom: new Date(from),
  validUntil: new Date(until),
});
const at = new Date('2026-06-15T12:00:00Z');

describe('points for a connection', () => {
  it('gives the base amount when no scheme applies', () => {
    expect(pointsForConnection(10)).toBe(10);
  });

  it('doubles the base amount under a 2x scheme', () => {
    expect(pointsForConnection(10, 2)).toBe(20);
  });

  it('rounds a fractional result half up (5 points x 1.5 = 8)', () => {
    expect(pointsForConnection(5, 1.5)).toBe(8);
  });

  it('rounds 10 points x 1.15 to 12 despite binary floating point', () => {
    expect(pointsForConnection(10, 1.15)).toBe(12);
  });

  it('rounds down below one half (10 points x 1.04 = 10)', () => {
    expect(pointsForConnection(10, 1.04)).toBe(10);
  });

  it('gives nothing when the configured base is zero', () => {
    expect(pointsForConnection(0, 3)).toBe(0);
  });

  it('refuses a non-positive multiplier', () => {
    expect(() => pointsForConnection(10, 0)).toThrow(/invalid multiplier/);
  });
});

describe('applicable scheme', () => {
  it('is none when no scheme is active at the time', () => {
    expect(applicableScheme([scheme('a', 2, '2026-01-01', '2026-02-01')], at)).toBeNull();
  });

  it('is the active scheme when one covers the time', () => {
    expect(applicableScheme([scheme('a', 2, '2026-06-01', '2026-07-01')], at)?.id).toBe('a');
  });

  it('is the most generous one when several overlap (they do not stack)', () => {
    const chosen = applicableScheme(
      [scheme('a', 1.5, '2026-06-01', '2026-07-01'), scheme('b', 3, '2026-06-10', '2026-06-20')],
      at,
    );
    expect(chosen?.id).toBe('b');
  });

  it('excludes a scheme whose window ends exactly at the time', () => {
    expect(applicableScheme([scheme('a', 2, '2026-06-01', '2026-06-15T12:00:00Z')], at)).toBeNull();
  });
});

describe('donation value', () => {
  it('is points times the rate in dollars', () => {
    expect(donationValueUsd(1_000, 0.01)).toBe(10);
  });

  it('is rounded to whole cents', () => {
    expect(donationValueUsd(333, 0.0125)).toBe(4.16);
  });
});

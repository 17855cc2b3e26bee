import { citizenUpdateLua, officerUpdateLua } from './geo-scripts.js';

const citizen = { ttlMs: 180_000, staleAfterMs: 120_000, limit: 20, cap: 40, radii: [500, 1000] };
const officer = { ttlMs: 180_000, staleAfterMs: 120_000, citizenRadiusM: 1000, citizenLimit: 40 };

describe('GEO index scripts with settings written in', () => {
  it('writes the settings into the Lua as integers', () => {
    const lua = citizenUpdateLua(citizen);
    expect(lua).toContain("redis.call('PEXPIRE', KEYS[1], 180000)");
    expect(lua).toContain('now - 120000, 20, 40, {500, 1000})');
    expect(officerUpdateLua(officer)).toContain('now - 120000, 40, 40, {1000})');
  });

  it.each([
    ['a fraction', { ...citizen, cap: 40.5 }, /cap must be a positive integer/],
    ['zero', { ...citizen, limit: 0 }, /limit must be a positive integer/],
    ['a negative radius', { ...citizen, radii: [500, -1] }, /radii\[1\] must be a positive integer/],
    ['no radius', { ...citizen, radii: [] }, /radii must not be empty/],
    ['not a number', { ...citizen, ttlMs: Number.NaN }, /ttlMs must be a positive integer/],
  ])('refuses %s instead of writing it into the citizen script', (_label, settings, error) => {
    expect(() => citizenUpdateLua(settings)).toThrow(error);
  });

  it('refuses a setting that is not a positive integer in the officer script', () => {
    expect(() => officerUpdateLua({ ...officer, staleAfterMs: -5 })).toThrow(
      /officer update script: staleAfterMs must be a positive integer/,
    );
  });
});

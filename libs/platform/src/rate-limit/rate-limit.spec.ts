import { parseRateLimitOverrides } from './rate-limit.js';

describe('rate limit overrides', () => {
  it('parses name=points/seconds pairs', () => {
    expect([...parseRateLimitOverrides('otp-send=3/600,default=300/60')]).toEqual([
      ['otp-send', { points: 3, durationS: 600 }],
      ['default', { points: 300, durationS: 60 }],
    ]);
  });

  it('ignores an empty spec', () => {
    expect(parseRateLimitOverrides('').size).toBe(0);
  });
});

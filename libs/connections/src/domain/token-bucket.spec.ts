import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst of the configured size and then refuses', () => {
    const b = new TokenBucket(5, 5, 0);
    const taken = Array.from({ length: 7 }, () => b.take(0));
    expect(taken).toEqual([true, true, true, true, true, false, false]);
  });
  it('refills at the configured rate', () => {
    const b = new TokenBucket(5, 5, 0);
    for (let i = 0; i < 5; i++) b.take(0);
    expect(b.take(100)).toBe(false);
    expect(b.take(200)).toBe(true);
    expect(b.take(200)).toBe(false);
  });
});

import { joinUrl } from './http.js';

describe('joinUrl', () => {
  it('joins with exactly one slash whatever either side carries', () => {
    expect(joinUrl('https://api.example', 'v1/posts')).toBe('https://api.example/v1/posts');
    expect(joinUrl('https://api.example///', '//v1/posts')).toBe('https://api.example/v1/posts');
    expect(joinUrl('', 'x')).toBe('/x');
  });

  it('stays linear on a long run of slashes (the regex it replaced was quadratic)', () => {
    const base = `https://api.example${'/'.repeat(200_000)}x`;
    expect(joinUrl(base, 'p')).toBe(`${base}/p`);
  });
});

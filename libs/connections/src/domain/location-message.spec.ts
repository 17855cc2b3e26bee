import fc from 'fast-check';
import { parseLocationMessage } from './location-message.js';

describe('parseLocationMessage', () => {
  it('accepts a minimal and a full message', () => {
    expect(parseLocationMessage({ lat: 1, lng: 2 })).toEqual({ lat: 1, lng: 2 });
    expect(
      parseLocationMessage({ lat: -90, lng: 180, accuracyM: 5, at: '2026-11-23T12:00:00Z' }),
    ).not.toBeNull();
  });

  it.each([
    ['null', null],
    ['a string', 'lat=1'],
    ['an array', [1, 2]],
    ['lat out of range', { lat: 91, lng: 0 }],
    ['lng out of range', { lat: 0, lng: -180.0001 }],
    ['NaN', { lat: Number.NaN, lng: 0 }],
    ['string coordinates', { lat: '1', lng: '2' }],
    ['an unknown key', { lat: 1, lng: 2, speed: 3 }],
    ['negative accuracy', { lat: 1, lng: 2, accuracyM: -1 }],
    ['an unparseable time', { lat: 1, lng: 2, at: 'yesterday-ish' }],
  ])('refuses %s', (_name, payload) => {
    expect(parseLocationMessage(payload)).toBeNull();
  });

  it('never throws and only accepts in-range numeric coordinates (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (payload) => {
        const parsed = parseLocationMessage(payload);
        if (parsed !== null) {
          expect(Math.abs(parsed.lat)).toBeLessThanOrEqual(90);
          expect(Math.abs(parsed.lng)).toBeLessThanOrEqual(180);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

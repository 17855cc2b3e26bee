import { changedFields, DEFAULT_DISPLAY_NAME, officerDisplayName } from './profile.js';

const current = { displayName: 'Sam', bio: null, avatarUrl: null, zip: '10001', shareConsent: false };

describe('changedFields', () => {
  it('counts nothing for an empty edit or one that repeats the current values', () => {
    expect(changedFields(current, {})).toEqual([]);
    expect(changedFields(current, { displayName: 'Sam', zip: '10001', bio: null })).toEqual([]);
  });

  it('counts a new value, a cleared value and a flipped consent', () => {
    expect(changedFields(current, { displayName: 'Sam', zip: null, bio: 'Hi', shareConsent: true })).toEqual([
      'zip',
      'bio',
      'shareConsent',
    ]);
  });

  it('ignores fields sent as undefined', () => {
    expect(changedFields(current, { avatarUrl: undefined })).toEqual([]);
  });
});

describe('officerDisplayName', () => {
  it("shows first name and last initial, never the provider's full name", () => {
    expect(officerDisplayName('  Jane   Quinn  doe ')).toBe('Jane D.');
    expect(officerDisplayName('Jane D.')).toBe('Jane D.');
    expect(officerDisplayName('Émile Zola')).toBe('Émile Z.');
  });
  it('keeps a single name and the placeholder as they are', () => {
    expect(officerDisplayName('Prince')).toBe('Prince');
    expect(officerDisplayName(null)).toBe(DEFAULT_DISPLAY_NAME);
  });
});

import { changedFields } from './profile.js';

const current = { displayName: 'Sam', bio: null, avatarUrl: null, zip: '10001', shareConsent: false };

describe('changedFields', () => {
  it('counts nothing for an empty edit or one that repeats the current values', () => {
    expect(changedFields(current, {})).toEqual([]);
    expect(changedFields(current, { displayName: 'Sam', zip: '10001', bio: null })).toEqual([]);
  });

  it('counts a new value, a cleared value and a flipped consent', () => {
    expect(changedFields(current, { displayName: 'Sam', zip: null, bio: 'Hi', shareConsent: true })).toEqual(['zip', 'bio', 'shareConsent']);
  });

  it('ignores fields sent as undefined', () => {
    expect(changedFields(current, { avatarUrl: undefined })).toEqual([]);
  });
});

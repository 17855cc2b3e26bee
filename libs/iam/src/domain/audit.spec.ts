import { actorKindOf, cliActor, sanitizeDetail } from './audit.js';

describe('audit detail', () => {
  it('drops secrets and raw coordinates at any depth and keeps the rest', () => {
    expect(
      sanitizeDetail({
        reason: 'x',
        key: 'k',
        nested: { lat: 40.7, lng: -73.9, zip: '10001', token: 't' },
        list: [{ secret: 's', n: 1 }],
      }),
    ).toEqual({
      reason: 'x',
      nested: { zip: '10001' },
      list: [{ n: 1 }],
    });
  });

  it('replaces an oversized detail with a note of its size', () => {
    expect(sanitizeDetail({ text: 'a'.repeat(3_000) })).toEqual({
      truncated: true,
      chars: expect.any(Number),
    });
  });

  it('turns Dates into strings and keeps null for no detail', () => {
    expect(sanitizeDetail({ at: new Date('2026-12-07T00:00:00.000Z') })).toEqual({
      at: '2026-12-07T00:00:00.000Z',
    });
    expect(sanitizeDetail(null)).toBeNull();
  });
});

describe('audit actor kind', () => {
  it('is account with an account, system without, and what the actor says otherwise', () => {
    expect(actorKindOf({ accountId: 'a' })).toBe('account');
    expect(actorKindOf({ accountId: null })).toBe('system');
    expect(actorKindOf(cliActor('ops'))).toBe('cli');
    expect(cliActor('ops')).toMatchObject({ kind: 'cli', ref: 'ops' });
  });
});

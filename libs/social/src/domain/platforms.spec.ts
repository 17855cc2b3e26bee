import { DomainError } from '@heyblue/platform';
import { bothMustConsent, platformsMustBeAvailable, textMustFitEveryPlatform } from './platforms.js';

const codeOf = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'OTHER';
  }
};

describe('social post rules', () => {
  it('counts characters as code points, so 280 emoji fit on X', () => {
    expect(codeOf(() => textMustFitEveryPlatform('👮'.repeat(280), ['x']))).toBeNull();
    expect(codeOf(() => textMustFitEveryPlatform('a'.repeat(281), ['x']))).toBe('TEXT_TOO_LONG');
  });

  it('applies the tightest limit of the chosen platforms', () => {
    expect(codeOf(() => textMustFitEveryPlatform('a'.repeat(501), ['facebook', 'mastodon']))).toBe(
      'TEXT_TOO_LONG',
    );
    expect(codeOf(() => textMustFitEveryPlatform('a'.repeat(501), ['facebook', 'webhook']))).toBeNull();
  });

  it('needs both consents, and refuses when the connection is unknown', () => {
    expect(codeOf(() => bothMustConsent({ officer: true, citizen: true }))).toBeNull();
    expect(codeOf(() => bothMustConsent({ officer: true, citizen: false }))).toBe('CONSENT_REQUIRED');
    expect(codeOf(() => bothMustConsent(null))).toBe('CONSENT_REQUIRED');
  });

  it('refuses platforms this deployment has no credentials for', () => {
    expect(codeOf(() => platformsMustBeAvailable(['x', 'webhook'], new Set(['webhook'])))).toBe(
      'PLATFORM_UNAVAILABLE',
    );
  });
});

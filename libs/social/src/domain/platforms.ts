import { DomainError } from '@heyblue/platform';

export const SOCIAL_PLATFORMS = ['mastodon', 'x', 'facebook', 'webhook'] as const;
export type SocialPlatform = (typeof SOCIAL_PLATFORMS)[number];

/**
 * Longest text per platform in characters: Mastodon's default instance limit, X's standard
 * post, the Graph API's feed message limit, and a sane cap for webhooks.
 */
export const TEXT_LIMITS: Record<SocialPlatform, number> = {
  mastodon: 500,
  x: 280,
  facebook: 63_206,
  webhook: 10_000,
};

/** Counts user-perceived characters (code points), as the platforms do for plain text. */
const length = (text: string) => [...text].length;

export function textMustFitEveryPlatform(text: string, platforms: SocialPlatform[]): void {
  const tooLong = platforms.filter((p) => length(text) > TEXT_LIMITS[p]);
  if (tooLong.length > 0) {
    throw new DomainError(
      'TEXT_TOO_LONG',
      `The text has ${length(text)} characters; ${tooLong.map((p) => `${p} allows ${TEXT_LIMITS[p]}`).join(', ')}.`,
      422,
      {
        errors: tooLong.map((p) => ({
          field: 'text',
          message: `${p} allows at most ${TEXT_LIMITS[p]} characters`,
        })),
      },
    );
  }
}

export function platformsMustBeAvailable(platforms: SocialPlatform[], available: Set<SocialPlatform>): void {
  const missing = platforms.filter((p) => !available.has(p));
  if (missing.length > 0)
    throw new DomainError(
      'PLATFORM_UNAVAILABLE',
      `Not configured on this deployment: ${missing.join(', ')}.`,
      422,
      { platforms: missing },
    );
}

/** A post about a connection needs both people's share consent. */
export function bothMustConsent(consents: { officer: boolean; citizen: boolean } | null): void {
  if (!consents || !consents.officer || !consents.citizen) {
    throw new DomainError(
      'CONSENT_REQUIRED',
      'Both the officer and the citizen of this connection must allow sharing (shareConsent) before it is posted.',
      422,
    );
  }
}

import { codeVerifierMustMatchChallenge, s256Challenge } from './code-verifier-must-match-challenge.rule.js';

describe('codeVerifierMustMatchChallenge', () => {
  // RFC 7636 appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('computes the RFC 7636 example challenge', () => {
    expect(s256Challenge(verifier)).toBe(challenge);
  });

  it('accepts the verifier behind the challenge', () => {
    expect(codeVerifierMustMatchChallenge(verifier, challenge)).toBe(verifier);
  });

  it.each([
    ['another verifier', 'x'.repeat(43)],
    ['a missing verifier', undefined],
    ['an empty verifier', ''],
    ['the challenge itself (plain method)', challenge],
    ['a verifier shorter than 43 characters', verifier.slice(0, 42)],
    ['a verifier with characters outside RFC 7636', `${verifier}!`],
    ['a verifier longer than 128 characters', 'a'.repeat(129)],
    ['a number', 42],
  ])('refuses %s with INVALID_CODE_VERIFIER', (_name, given) => {
    expect(() => codeVerifierMustMatchChallenge(given, challenge)).toThrow(
      expect.objectContaining({ code: 'INVALID_CODE_VERIFIER', status: 400 }),
    );
  });
});

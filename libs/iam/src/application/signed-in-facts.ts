import type { AccountStatus, AuthenticatedAccount, Role } from '../domain/account.js';

/** Account facts read in the same statement as the access token. */
export interface SignedInFacts {
  role: Role;
  status: AccountStatus;
  phoneCipher: string | null;
  phoneVerifiedAt: Date | null;
}

// Keyed by the AuthenticatedAccount object one authentication returns, which lives as long
// as its request does: the facts are as fresh as the token check itself and never outlive
// it, so this is no cache (a logout or suspension is seen by the next request's lookup).
const facts = new WeakMap<object, SignedInFacts>();

export function rememberSignedInFacts(account: AuthenticatedAccount, f: SignedInFacts): void {
  facts.set(account, f);
}

/** The facts read when `account` was authenticated, if it came from `SessionService.authenticate`. */
export function signedInFacts(account: object): SignedInFacts | undefined {
  return facts.get(account);
}

import type { ProfileRole } from '../domain/profile.js';

export interface AccountSummary {
  id: string;
  role: ProfileRole;
  /** Masked by IAM, e.g. `+1******4567`; null before phone verification. */
  phoneMasked: string | null;
}

/** IAM's account facts Profile shows on `GET /me` (IAM owns them). */
export abstract class AccountDirectory {
  /** The signed-in caller's account (`caller` as the auth guard handed it over; IAM reuses what it read with the token). */
  abstract signedInAccount(caller: { id: string }): Promise<AccountSummary | null>;
}

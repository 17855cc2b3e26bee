/** Roles an account can hold. */
export type Role = 'citizen' | 'officer' | 'admin';
export const ROLES: readonly Role[] = ['citizen', 'officer', 'admin'] as const;

export type AccountStatus = 'active' | 'suspended';

/** The signed-in caller, as guards and the socket authenticator see it. */
export interface AuthenticatedAccount {
  id: string;
  role: Role;
  sessionId: string;
}

/** What other contexts may read of an account (no raw PII). */
export interface AccountView {
  id: string;
  role: Role;
  status: AccountStatus;
  /** e.g. `+1******4567`; null until the phone is verified. */
  phoneMasked: string | null;
}

/** Masks all but the country code prefix (+ and up to 2 digits) and the last four digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^\+/, '');
  if (digits.length <= 6) return `+${'*'.repeat(digits.length)}`;
  const cc = digits.length > 10 ? digits.slice(0, digits.length - 10) : digits.slice(0, 1);
  const last = digits.slice(-4);
  return `+${cc}${'*'.repeat(digits.length - cc.length - 4)}${last}`;
}

/** The e-mail the dev provider gives a login name. */
export function devLoginEmail(login: string): string {
  return login.includes('@') ? login : `${login}@dev.heyblue.test`;
}

import { IntegrationEvent } from '@heyblue/platform';
import type { Role } from '../domain/account.js';

export interface AccountCreatedPayload {
  accountId: string;
  role: Role;
  /** The name from the provider's ID token, if it gave one. */
  displayName: string | null;
  /** Precinct from the officer roster when the account started as an officer. */
  precinct: string | null;
}

/** A new account signed in for the first time. Carries no e-mail or phone. */
export class AccountCreated extends IntegrationEvent<AccountCreatedPayload> {
  static readonly type = 'AccountCreated';
  static readonly version = 1;
}

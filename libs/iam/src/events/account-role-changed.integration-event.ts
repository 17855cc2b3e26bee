import { IntegrationEvent } from '@heyblue/platform';
import type { Role } from '../domain/account.js';

export interface AccountRoleChangedPayload {
  accountId: string;
  previousRole: Role;
  role: Role;
  /** The admin who changed it; null when the roster or an admin pre-authorisation did. */
  changedBy: string | null;
  precinct: string | null;
}

/** An account's role changed (admin decision, officer roster, admin pre-authorisation). */
export class AccountRoleChanged extends IntegrationEvent<AccountRoleChangedPayload> {
  static readonly type = 'AccountRoleChanged';
  static readonly version = 1;
}

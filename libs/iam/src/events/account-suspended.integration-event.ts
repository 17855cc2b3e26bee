import { IntegrationEvent } from '@heyblue/platform';

export interface AccountSuspendedPayload {
  accountId: string;
  suspendedBy: string | null;
}

/** An admin suspended an account; its sessions have ended. */
export class AccountSuspended extends IntegrationEvent<AccountSuspendedPayload> {
  static readonly type = 'AccountSuspended';
  static readonly version = 1;
}

import { IntegrationEvent } from '@heyblue/platform';

/**
 * Consumer-side contracts of IAM's events, subscribed by type string: the fields Profile
 * reads. Keep in step with libs/iam/src/events.
 */
export interface AccountCreatedPayload {
  accountId: string;
  role: string;
  displayName: string | null;
  precinct?: string | null;
}

export class AccountCreatedV1 extends IntegrationEvent<AccountCreatedPayload> {
  static readonly type = 'AccountCreated';
  static readonly version = 1;
}

export interface AccountRoleChangedPayload {
  accountId: string;
  role: string;
  precinct?: string | null;
}

export class AccountRoleChangedV1 extends IntegrationEvent<AccountRoleChangedPayload> {
  static readonly type = 'AccountRoleChanged';
  static readonly version = 1;
}

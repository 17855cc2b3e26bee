import { IntegrationEvent } from '@heyblue/platform';

/** Consumer-side contract of Profile's `ProfileUpdated` v1: the fields this context reads. */
export interface ProfileUpdatedContract {
  accountId: string;
  displayName: string;
}

export class ProfileUpdated extends IntegrationEvent<ProfileUpdatedContract> {
  static readonly type = 'ProfileUpdated';
  static readonly version = 1;
}

import { IntegrationEvent } from '@heyblue/platform';

export interface ProfileUpdatedPayload {
  accountId: string;
  /** Fields the user changed in this update (or `displayName` when an officer's default name was applied). */
  changed: string[];
  displayName: string;
  zip: string | null;
  shareConsent: boolean;
  updatedAt: string;
}

/** A user edited their profile, or an officer got the default name (Reporting keys dimensions such as ZIP on it). */
export class ProfileUpdated extends IntegrationEvent<ProfileUpdatedPayload> {
  static readonly type = 'ProfileUpdated';
  static readonly version = 1;
}

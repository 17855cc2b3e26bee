import { IntegrationEvent } from '@heyblue/platform';
import type { PushMessage } from '../domain/push-rules.js';

export interface PushDuePayload {
  accountId: string;
  message: PushMessage;
}

/**
 * A push is due to an account's phones. Published and consumed by Notifications only (the
 * outbox makes it durable from the commit that caused it); not an integration contract.
 */
export class PushDue extends IntegrationEvent<PushDuePayload> {
  static readonly type = 'notifications.PushDue';
  static readonly version = 1;
}

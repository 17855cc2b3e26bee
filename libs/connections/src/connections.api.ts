import { Injectable } from '@nestjs/common';
import type { NotificationEvent } from '@heyblue/notifications';
import { AccountNotifier } from './application/ports.js';

/**
 * What other contexts may ask Connections synchronously: a push to every socket an account
 * has open on the `/connections` namespace, on whichever instance holds it (socket.io Redis
 * adapter). Best effort, like every push: a client that missed one re-reads over REST.
 */
@Injectable()
export class ConnectionsApi {
  constructor(private readonly notifier: AccountNotifier) {}

  /** Emits `event` with `payload` to the account's sockets (no-op when it has none). */
  pushToAccount(accountId: string, event: NotificationEvent, payload: unknown): Promise<void> {
    return Promise.resolve(this.notifier.toAccount(accountId, event, payload));
  }
}

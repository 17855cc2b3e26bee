import { Injectable } from '@nestjs/common';
import { Notifier, type NotificationEvent } from '@heyblue/notifications';
import type { Tx } from '@heyblue/platform';
import { ProfileNotifier } from '../application/projections/profile-notifier.js';

/**
 * Profile notifies through Notifications' one port (no socket.io server or Redis connections of
 * its own): the push, when due, commits with the handler's writes; the socket notice follows the commit.
 */
@Injectable()
export class NotifierProfileNotifier extends ProfileNotifier {
  constructor(private readonly notifier: Notifier) {
    super();
  }

  afterCommit(tx: Tx, accountId: string, event: NotificationEvent, payload: object): Promise<void> {
    return this.notifier.notifyAfterCommit(tx, accountId, event, payload);
  }
}

import type { NotificationEvent } from '@heyblue/notifications';
import type { Tx } from '@heyblue/platform';

/** Notifies an account (its sockets, its phones per the push rules; best effort: the read model is the truth). */
export abstract class ProfileNotifier {
  /** Queues a due push in the handler's transaction `tx`; the socket notice goes once it committed, never if it rolls back. */
  abstract afterCommit(tx: Tx, accountId: string, event: NotificationEvent, payload: object): Promise<void>;
}

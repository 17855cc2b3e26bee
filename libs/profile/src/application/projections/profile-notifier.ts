import type { Tx } from '@heyblue/platform';

/** Pushes notices to an account's connected sockets (best effort: the read model is the truth). */
export abstract class ProfileNotifier {
  /** Queues a notice for the handler running in `tx`. */
  abstract afterCommit(tx: Tx, accountId: string, event: string, payload: object): void;
  /** Sends what the handler queued once it finished without error (the consumer commits right after). */
  abstract flush(tx: Tx): void;
  /** Drops what a failed handler queued (the event is retried and queues again). */
  abstract discard(tx: Tx): void;
}

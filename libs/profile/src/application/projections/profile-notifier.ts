import type { Tx } from '@heyblue/platform';

/** Pushes notices to an account's connected sockets (best effort: the read model is the truth). */
export abstract class ProfileNotifier {
  /** Sends a notice once the event handler's transaction `tx` has committed; never if it rolls back. */
  abstract afterCommit(tx: Tx, accountId: string, event: string, payload: object): void;
}

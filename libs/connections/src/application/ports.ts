import type { NotificationEvent } from '@heyblue/notifications';

/** Notifies accounts: their sockets on whichever instance holds them, and their phones per the push rules. */
export abstract class AccountNotifier {
  /**
   * Resolves once a due push is durably queued; never rejects (a notification never fails a use
   * case), unless `mustQueue` asks it to when the push could not be queued (a retried job).
   */
  abstract toAccount(
    accountId: string,
    event: NotificationEvent,
    payload: unknown,
    opts?: { mustQueue?: boolean },
  ): void | Promise<void>;
  /** Tells every instance an officer's window opened, closed or expired (socket caches reload). */
  abstract windowChanged(officerId: string): void;
  /** The window expired: `availability.expired` to the officer's sockets on every instance, then those sockets are closed. */
  abstract windowExpired(officerId: string, windowId: string): void;
  /** Closes every socket of the account, on every instance (its access changed). */
  abstract disconnect(accountId: string): void;
}

/** Display names shown next to officers and citizens. */
export abstract class DisplayNames {
  /** Names by account id; unknown ids are absent. */
  abstract lookup(ids: string[]): Promise<Map<string, string>>;
}

/** The account behind a socket handshake. */
export interface SocketAccount {
  id: string;
  role: string;
  sessionId: string;
  /** When the access token stops working; the socket is disconnected then. */
  expiresAt?: Date | string | null;
}

/** Socket authentication, provided by IAM (this context writes no auth of its own). */
export abstract class SocketAuth {
  /** Throws when the token is missing, unknown, expired or revoked. */
  abstract authenticate(token: string): Promise<SocketAccount>;
  /**
   * Called on every instance when a session ends (with its `sessionId`), or when every socket of
   * the account must go (suspension, role change: no `sessionId`).
   */
  abstract onAccessRevoked(listener: (info: { accountId: string; sessionId?: string }) => void): void;
}

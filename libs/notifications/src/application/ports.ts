import type { AuditAuthor } from '@heyblue/iam';
import type { Tx } from '@heyblue/platform';
import type { Device, PushPlatform } from '../domain/device.js';
import type { PushMessage } from '../domain/push-rules.js';

/**
 * The seams the notifications use cases depend on. Infrastructure provides the PostgreSQL
 * adapters; unit tests provide in-memory fakes. The transaction handle is opaque here.
 */

/** Runs work in one database transaction. */
export abstract class UnitOfWork {
  abstract run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface DeviceRegistration {
  /** Used when the token is new here or moves to another account; a token staying with its account keeps its id. */
  newId: string;
  accountId: string;
  sessionId: string;
  platform: PushPlatform;
  token: string;
}

/** Push devices: one row per (platform, token). */
export abstract class DeviceStore {
  /**
   * Registers the token for the account and session: a token the account had keeps its id (and
   * follows the new session); a token another account had moves here under `newId`.
   * Answers the device id and the account that held the token before (null when new).
   */
  abstract upsert(
    tx: Tx,
    registration: DeviceRegistration,
  ): Promise<{ id: string; previousAccountId: string | null; previousSessionId: string | null }>;
  /** Keeps the account's `keep` most recently registered devices; answers the ids removed. */
  abstract trim(tx: Tx, accountId: string, keep: number): Promise<string[]>;
  /** Removes the device when the account owns it; false otherwise. */
  abstract removeOwned(tx: Tx, id: string, accountId: string): Promise<boolean>;
  abstract listByAccount(accountId: string): Promise<Device[]>;
  /** A session ended: its devices go. Answers how many. */
  abstract removeBySession(sessionId: string): Promise<number>;
  /** Every session of the account ended (suspension): all its devices go. */
  abstract removeByAccount(accountId: string): Promise<number>;
}

/** One audit entry of a notifications use case. */
export interface NotificationsAuditEntry {
  actor: AuditAuthor | null;
  action: string;
  targetId: string | null;
  /** Ids, platforms and counts only: never a push token. */
  detail?: Record<string, unknown>;
}

/** The audit trail (IAM's), written in the use case's transaction. */
export abstract class AuditLog {
  abstract record(tx: Tx, entry: NotificationsAuditEntry): Promise<void>;
  /** The request changed nothing: no entry is due. */
  abstract unchanged(): void;
}

/** Settings the use cases read (from the validated environment in production). */
export abstract class NotificationsSettings {
  abstract readonly maxDevicesPerAccount: number;
  /** Least time between two throttled pushes (officers.nearby) to one account, in ms. */
  abstract readonly nearbyPushEveryMs: number;
}

/**
 * The socket side of notifying: emits to every socket an account holds, on whichever instance
 * holds it. Connections owns the socket.io gateway and attaches its hub here at start.
 */
export abstract class SocketChannel {
  abstract emit(accountId: string, event: string, payload: unknown): void;
  /** Whether the account holds a live socket on any instance. */
  abstract isLive(accountId: string): Promise<boolean>;
}

/** A push that is due to an account's phones, queued in the caller's transaction (outbox). */
export interface PushDueInput {
  accountId: string;
  message: PushMessage;
}

export abstract class PushOutbox {
  abstract publish(tx: Tx, due: PushDueInput): Promise<void>;
  /** After commit: relay promptly. */
  abstract kick(): void;
}

/** Runs a function once the event handler's transaction has committed (never when it rolls back). */
export abstract class CommitHooks {
  abstract after(tx: Tx, fn: () => void): void;
}

/** A per-account "at most once per period" gate across instances. */
export abstract class PushThrottle {
  /** True for the first call per account and key within `periodMs`. */
  abstract firstIn(accountId: string, key: string, periodMs: number): Promise<boolean>;
}

/** Whether an account has any push device (no outbox row for accounts without one). */
export abstract class DeviceDirectory {
  abstract hasAny(accountId: string, tx?: Tx): Promise<boolean>;
}

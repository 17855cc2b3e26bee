import type { AuditAuthor } from '@heyblue/iam';
import type { Tx } from '@heyblue/platform';
import type { Device, PushPlatform } from '../domain/device.js';

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
}

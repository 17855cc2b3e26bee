import type { Tx } from '@heyblue/platform';
import type { Device } from '../../domain/device.js';
import {
  AuditLog,
  DeviceStore,
  NotificationsSettings,
  UnitOfWork,
  type DeviceRegistration,
  type NotificationsAuditEntry,
} from '../ports.js';

/** Runs work at once; a failure undoes nothing (the fakes write only on success paths). */
export class ImmediateUnitOfWork extends UnitOfWork {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return work({} as Tx);
  }
}

export class InMemoryDeviceStore extends DeviceStore {
  readonly rows: Device[] = [];
  private tick = 0;

  upsert(_tx: Tx, r: DeviceRegistration) {
    const at = new Date(Date.UTC(2026, 0, 1) + ++this.tick);
    const i = this.rows.findIndex((d) => d.platform === r.platform && d.token === r.token);
    const prev = i >= 0 ? this.rows.splice(i, 1)[0]! : null;
    const id = prev && prev.accountId === r.accountId ? prev.id : r.newId;
    this.rows.push({
      id,
      accountId: r.accountId,
      sessionId: r.sessionId,
      platform: r.platform,
      token: r.token,
      createdAt: at,
    });
    return Promise.resolve({
      id,
      previousAccountId: prev?.accountId ?? null,
      previousSessionId: prev?.sessionId ?? null,
    });
  }

  trim(_tx: Tx, accountId: string, keep: number) {
    const mine = this.rows.filter((d) => d.accountId === accountId);
    const gone = mine.slice(0, Math.max(0, mine.length - keep)).map((d) => d.id);
    for (const id of gone)
      this.rows.splice(
        this.rows.findIndex((d) => d.id === id),
        1,
      );
    return Promise.resolve(gone);
  }

  removeOwned(_tx: Tx, id: string, accountId: string) {
    const i = this.rows.findIndex((d) => d.id === id && d.accountId === accountId);
    if (i >= 0) this.rows.splice(i, 1);
    return Promise.resolve(i >= 0);
  }

  listByAccount(accountId: string) {
    return Promise.resolve(this.rows.filter((d) => d.accountId === accountId).reverse());
  }

  removeBySession(sessionId: string) {
    return this.removeWhere((d) => d.sessionId === sessionId);
  }

  removeByAccount(accountId: string) {
    return this.removeWhere((d) => d.accountId === accountId);
  }

  private removeWhere(test: (d: Device) => boolean) {
    const before = this.rows.length;
    for (let i = this.rows.length - 1; i >= 0; i--) if (test(this.rows[i]!)) this.rows.splice(i, 1);
    return Promise.resolve(before - this.rows.length);
  }
}

export class RecordingAuditLog extends AuditLog {
  readonly entries: NotificationsAuditEntry[] = [];
  unchangedCalls = 0;

  record(_tx: Tx, entry: NotificationsAuditEntry) {
    this.entries.push(entry);
    return Promise.resolve();
  }

  unchanged() {
    this.unchangedCalls += 1;
  }
}

export class FixedNotificationsSettings extends NotificationsSettings {
  readonly nearbyPushEveryMs = 600_000;

  constructor(readonly maxDevicesPerAccount = 3) {
    super();
  }
}

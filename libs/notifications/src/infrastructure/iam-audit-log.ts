import { Injectable } from '@nestjs/common';
import { AuditTrail } from '@heyblue/iam';
import type { Tx } from '@heyblue/platform';
import { AuditLog, type NotificationsAuditEntry } from '../application/ports.js';

/** Notifications' audit entries go to IAM's trail, inside the use case's transaction. */
@Injectable()
export class IamAuditLog extends AuditLog {
  constructor(private readonly trail: AuditTrail) {
    super();
  }

  record(tx: Tx, entry: NotificationsAuditEntry): Promise<void> {
    return this.trail.record(entry, tx);
  }

  unchanged(): void {
    this.trail.unchanged();
  }
}

import { Injectable } from '@nestjs/common';
import { AuditTrail } from '@heyblue/iam';
import type { Tx } from '@heyblue/platform';
import { AuditLog, type RewardsAuditEntry } from '../application/ports.js';

/** Rewards' audit entries go to IAM's trail, inside Rewards' own transaction when there is one. */
@Injectable()
export class IamAuditLog extends AuditLog {
  constructor(private readonly trail: AuditTrail) {
    super();
  }

  record(tx: Tx | null, entry: RewardsAuditEntry): Promise<void> {
    return this.trail.record(entry, tx ?? undefined);
  }

  unchanged(): void {
    this.trail.unchanged();
  }
}

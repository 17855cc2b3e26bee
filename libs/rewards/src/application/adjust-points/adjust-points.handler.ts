import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuditActor } from '@heyblue/iam';
import { NotFound, ValidationFailed } from '@heyblue/platform';
import { PointsAdjusted } from '../../events/points-adjusted.integration-event.js';
import { IdempotentWrite } from '../idempotency/idempotent-write.js';
import { AccountLookup, AuditLog, Clock, EventPublisher, Ledger } from '../ports.js';

export interface AdjustPointsCommand {
  accountId: string;
  /** Non-zero whole number: a credit or a claw-back. */
  points: number;
  reason: string;
  /** Required: an admin's correction must never apply twice because a click or a retry repeated it. */
  idempotencyKey: string;
  actor: AuditActor;
}

export interface AdjustmentResult {
  entryId: string;
  balance: number;
}

/** Bounds of one adjustment, so a typo cannot mint a fortune. */
export const MAX_ADJUSTMENT = 1_000_000;

/**
 * An admin credits or claws back points with a reason: a ledger entry of its own kind
 * (`adjustment`), never below zero (422 INSUFFICIENT_POINTS), PointsAdjusted and the audit
 * entry in one transaction, once per (admin, Idempotency-Key).
 */
@Injectable()
export class AdjustPointsHandler {
  constructor(
    private readonly write: IdempotentWrite,
    private readonly ledger: Ledger,
    private readonly accounts: AccountLookup,
    private readonly events: EventPublisher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async execute(cmd: AdjustPointsCommand): Promise<AdjustmentResult> {
    if (!Number.isInteger(cmd.points) || cmd.points === 0 || Math.abs(cmd.points) > MAX_ADJUSTMENT) {
      throw new ValidationFailed([
        {
          field: 'points',
          message: `points must be a non-zero whole number between -${MAX_ADJUSTMENT} and ${MAX_ADJUSTMENT}`,
        },
      ]);
    }
    const request = {
      accountId: cmd.actor.accountId,
      key: cmd.idempotencyKey,
      operation: 'adjust-points',
      fingerprint: `${cmd.accountId}:${cmd.points}:${cmd.reason}`,
    };
    return this.write.run(request, 201, async (tx): Promise<AdjustmentResult> => {
      if (!(await this.accounts.exists(cmd.accountId))) throw new NotFound('Account', 'ACCOUNT_NOT_FOUND');
      const adjustmentId = randomUUID();
      const now = this.clock.now();
      const { entry } = await this.ledger.post(tx, {
        accountId: cmd.accountId,
        delta: cmd.points,
        reason: 'adjustment',
        reference: adjustmentId,
        idempotencyKey: `adjustment:${adjustmentId}`,
      });
      await this.events.publish(
        tx,
        new PointsAdjusted({
          accountId: cmd.accountId,
          adjustmentId,
          points: cmd.points,
          reason: cmd.reason,
          balance: entry.balanceAfter,
          ledgerSeq: entry.seq.toString(),
          entryId: entry.id,
          adjustedBy: cmd.actor.accountId,
          adjustedAt: now.toISOString(),
        }),
      );
      await this.audit.record(tx, {
        actor: cmd.actor,
        action: 'points_adjusted',
        targetId: cmd.accountId,
        detail: { points: cmd.points, reason: cmd.reason, entryId: entry.id, balance: entry.balanceAfter },
      });
      return { entryId: entry.id, balance: entry.balanceAfter };
    });
  }
}

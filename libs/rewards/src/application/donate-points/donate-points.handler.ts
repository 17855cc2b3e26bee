import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuditAuthor } from '@heyblue/iam';
import { charityNotFound } from '../../domain/rewards.errors.js';
import { pointsMustBePositiveInteger } from '../../domain/rules/points-must-be-positive-integer.rule.js';
import { PointsDonated } from '../../events/points-donated.integration-event.js';
import { IdempotentWrite } from '../idempotency/idempotent-write.js';
import { AuditLog, Clock, DonationStore, EventPublisher, Ledger } from '../ports.js';

export interface DonatePointsCommand {
  accountId: string;
  charityId: string;
  points: number;
  idempotencyKey?: string;
  /** Who asked and from where, for the audit entry that commits with the donation. */
  actor?: AuditAuthor;
}

export interface DonationResult {
  donationId: string;
  points: number;
  balance: number;
}

/** An officer gives points to a charity: ledger debit + donation + PointsDonated in one transaction. */
@Injectable()
export class DonatePointsHandler {
  constructor(
    private readonly write: IdempotentWrite,
    private readonly ledger: Ledger,
    private readonly donations: DonationStore,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  async execute(cmd: DonatePointsCommand): Promise<DonationResult> {
    const points = pointsMustBePositiveInteger(cmd.points);
    const request = {
      accountId: cmd.accountId,
      key: cmd.idempotencyKey,
      operation: 'donate-points',
      fingerprint: `${cmd.charityId}:${points}`,
    };
    return this.write.run(request, 201, async (tx): Promise<DonationResult> => {
      if (!(await this.donations.charityExists(tx, cmd.charityId))) throw charityNotFound();
      const donationId = randomUUID();
      const now = this.clock.now();
      const { entry } = await this.ledger.post(tx, {
        accountId: cmd.accountId,
        delta: -points,
        reason: 'donation',
        reference: donationId,
        idempotencyKey: `donation:${donationId}`,
      });
      await this.donations.create(tx, {
        id: donationId,
        accountId: cmd.accountId,
        charityId: cmd.charityId,
        points,
        ledgerEntryId: entry.id,
        createdAt: now,
      });
      await this.events.publish(
        tx,
        new PointsDonated({
          accountId: cmd.accountId,
          donationId,
          charityId: cmd.charityId,
          points,
          balance: entry.balanceAfter,
          ledgerSeq: entry.seq.toString(),
          entryId: entry.id,
          donatedAt: now.toISOString(),
        }),
      );
      if (cmd.actor)
        await this.audit.record(tx, {
          actor: cmd.actor,
          action: 'points_donated',
          targetId: donationId,
          detail: { charityId: cmd.charityId, points },
        });
      return { donationId, points, balance: entry.balanceAfter };
    });
  }
}

import { Injectable } from '@nestjs/common';
import { OutboxService, type EventEnvelope, type Tx } from '@heyblue/platform';
import type { AccountCreatedPayload, AccountRoleChangedPayload } from '@heyblue/iam';
import type {
  PointsAdjustedPayload,
  PointsDonatedPayload,
  PointsEarnedPayload,
  PointsRedeemedPayload,
} from '@heyblue/rewards';
import {
  asRole,
  displayNameFromProvider,
  officerDisplayName,
  type ProfileRole,
} from '../../domain/profile.js';
import { newTrophies, trophyName } from '../../domain/trophies.js';
import { ProfileUpdated } from '../../events/profile-updated.integration-event.js';
import { TrophyAwarded } from '../../events/trophy-awarded.integration-event.js';
import { PrismaProfileStore } from '../../infrastructure/prisma-profile.store.js';
import type { ConnectionEstablishedPayload } from '@heyblue/connections';
import { NOTIFICATION_EVENTS } from '@heyblue/notifications';
import { ProfileNotifier } from './profile-notifier.js';

/**
 * Keeps the profile read model in step with IAM, Connections and Rewards events. Each
 * method runs inside the consumer's transaction (exactly-once in effect per event) and is
 * order-tolerant: balances carry the ledger sequence, counts follow the per-event rows a
 * statement inserted (a repeat inserts none), role changes carry their time, and any event may arrive before AccountCreated.
 * The consumer holds the lock of every account a handler names (ProfileSubscriptions) for the
 * whole transaction, so recounts and trophy checks see every committed row of earlier events.
 */
@Injectable()
export class ProfileProjector {
  constructor(
    private readonly store: PrismaProfileStore,
    private readonly outbox: OutboxService,
    private readonly notifier: ProfileNotifier,
  ) {}

  async onAccountCreated(e: EventEnvelope<AccountCreatedPayload>, tx: Tx): Promise<void> {
    await this.store.applyAccount(tx, {
      accountId: e.payload.accountId,
      role: asRole(e.payload.role),
      precinct: e.payload.precinct ?? null,
      displayName: e.payload.displayName ? displayNameFromProvider(e.payload.displayName) : null,
      asOf: new Date(e.occurredAt),
    });
    await this.officerDefaultName(tx, e.payload.accountId);
  }

  async onAccountRoleChanged(e: EventEnvelope<AccountRoleChangedPayload>, tx: Tx): Promise<void> {
    await this.store.applyAccount(tx, {
      accountId: e.payload.accountId,
      role: asRole(e.payload.role),
      precinct: e.payload.precinct ?? null,
      displayName: null,
      asOf: new Date(e.occurredAt),
    });
    await this.officerDefaultName(tx, e.payload.accountId);
  }

  /**
   * An officer not named by choice is shown as first name and last initial, whichever of
   * AccountCreated and AccountRoleChanged comes last; ProfileUpdated carries the name to the
   * contexts that show it (Connections' nearby answers).
   */
  private async officerDefaultName(tx: Tx, accountId: string): Promise<void> {
    const renamed = await this.store.applyOfficerDefaultName(tx, accountId, officerDisplayName);
    if (renamed === null) return;
    const row = await this.store.find(tx, accountId);
    await this.outbox.publish(
      tx,
      new ProfileUpdated({
        accountId,
        changed: ['displayName'],
        displayName: renamed,
        zip: row?.zip ?? null,
        shareConsent: row?.shareConsent ?? false,
        updatedAt: new Date().toISOString(),
      }),
    );
  }

  async onConnectionEstablished(e: EventEnvelope<ConnectionEstablishedPayload>, tx: Tx): Promise<void> {
    await this.onConnectionsEstablished([e], tx);
  }

  /** A batch of connections: both sides' profiles, connection rows and counts, then trophies (four statements). */
  async onConnectionsEstablished(
    events: EventEnvelope<ConnectionEstablishedPayload>[],
    tx: Tx,
  ): Promise<void> {
    const rows = events.flatMap((e) => {
      const at = new Date(e.payload.establishedAt);
      const zip = e.payload.zip && /^\d{5}$/.test(e.payload.zip) ? e.payload.zip : null;
      const { connectionId } = e.payload;
      return [
        { accountId: e.payload.citizenId, role: 'citizen' as ProfileRole, connectionId, zip, at },
        { accountId: e.payload.officerId, role: 'officer' as ProfileRole, connectionId, zip, at },
      ];
    });
    await this.store.ensureMany(tx, rows);
    await this.store.addConnections(tx, rows);
    await this.evaluateTrophies(
      tx,
      rows.map((r) => r.accountId),
    );
  }

  async onPointsEarned(e: EventEnvelope<PointsEarnedPayload>, tx: Tx): Promise<void> {
    // `points.awarded` is pushed by Connections (it consumes PointsEarned next to the connection); Profile pushes trophies.
    await this.onPointsMoves([e], tx);
  }

  async onPointsRedeemed(e: EventEnvelope<PointsRedeemedPayload>, tx: Tx): Promise<void> {
    await this.onPointsMoves([e], tx);
  }

  /** onPointsEarned and onPointsRedeemed for a batch of either (one statement). */
  async onPointsMoves(
    events: Array<EventEnvelope<PointsEarnedPayload> | EventEnvelope<PointsRedeemedPayload>>,
    tx: Tx,
  ): Promise<void> {
    await this.store.ensureWithBalances(
      tx,
      events.map((e) => ({
        accountId: e.payload.accountId,
        role: 'role' in e.payload ? asRole(e.payload.role) : 'citizen',
        balance: e.payload.balance,
        ledgerSeq: BigInt(e.payload.ledgerSeq),
      })),
    );
  }

  /** An admin's correction: the balance follows the ledger (newest sequence wins), nothing else changes. */
  async onPointsAdjusted(e: EventEnvelope<PointsAdjustedPayload>, tx: Tx): Promise<void> {
    await this.store.ensure(tx, e.payload.accountId, 'citizen');
    await this.store.applyBalance(tx, e.payload.accountId, e.payload.balance, BigInt(e.payload.ledgerSeq));
  }

  async onPointsDonated(e: EventEnvelope<PointsDonatedPayload>, tx: Tx): Promise<void> {
    await this.onPointsDonatedMany([e], tx);
  }

  /** A batch of donations: balances (newest ledger entry wins), donation rows, then trophies. */
  async onPointsDonatedMany(events: EventEnvelope<PointsDonatedPayload>[], tx: Tx): Promise<void> {
    await this.store.ensureWithBalances(
      tx,
      events.map((e) => ({
        accountId: e.payload.accountId,
        role: 'officer' as ProfileRole,
        balance: e.payload.balance,
        ledgerSeq: BigInt(e.payload.ledgerSeq),
      })),
    );
    await this.store.addDonations(
      tx,
      events.map((e) => ({
        accountId: e.payload.accountId,
        donationId: e.payload.donationId,
        points: e.payload.points,
        at: new Date(e.payload.donatedAt),
      })),
    );
    await this.evaluateTrophies(
      tx,
      events.map((e) => e.payload.accountId),
    );
  }

  /**
   * Awards what the accounts' counts now earn. After a batch this is the set that checking after
   * each of its events would have awarded: every rule is a threshold on counts that only grow.
   */
  private async evaluateTrophies(tx: Tx, accountIds: string[]): Promise<void> {
    const ids = [...new Set(accountIds)].sort();
    const now = new Date();
    for (const [accountId, { stats, held }] of await this.store.statsOf(tx, ids)) {
      for (const code of newTrophies(stats, held)) {
        if (!(await this.store.awardTrophy(tx, accountId, code, now))) continue;
        const name = trophyName(code);
        await this.outbox.publish(
          tx,
          new TrophyAwarded({ accountId, code, name, awardedAt: now.toISOString() }),
        );
        await this.notifier.afterCommit(tx, accountId, NOTIFICATION_EVENTS.trophyAwarded, {
          code,
          name,
          awardedAt: now.toISOString(),
        });
      }
    }
  }
}

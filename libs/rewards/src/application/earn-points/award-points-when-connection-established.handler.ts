import { Injectable } from '@nestjs/common';
import type { ConnectionEstablishedPayload } from '@heyblue/connections';
import type { EventEnvelope, Tx } from '@heyblue/platform';
import { applicableScheme, pointsForConnection } from '../../domain/points.js';
import { PointsEarned } from '../../events/points-earned.integration-event.js';
import { EventPublisher, Ledger, RewardsSettings, SchemeFinder } from '../ports.js';

/**
 * Both sides of a connection earn points (unless Connections marked it `earnsPoints: false`), multiplied by the municipal scheme active at the
 * connection's ZIP and time. Runs inside the event consumer's transaction; the ledger's
 * idempotency keys (`connection:<id>:<role>`) make a redelivery award nothing twice.
 */
@Injectable()
export class AwardPointsWhenConnectionEstablishedHandler {
  constructor(
    private readonly ledger: Ledger,
    private readonly schemes: SchemeFinder,
    private readonly events: EventPublisher,
    private readonly settings: RewardsSettings,
  ) {}

  async handle(event: EventEnvelope<ConnectionEstablishedPayload>, tx: Tx): Promise<PointsEarned[]> {
    const { connectionId, citizenId, officerId, zip } = event.payload;
    // Over an anti-farming cap (Connections decided it under its locks): the connection stands,
    // nobody earns. Events from before the caps carry no flag and earn.
    if (event.payload.earnsPoints === false) return [];
    const at = new Date(event.payload.establishedAt);
    if (Number.isNaN(at.getTime()))
      throw new Error(`ConnectionEstablished ${event.id} has no valid establishedAt`);
    const scheme = zip ? applicableScheme(await this.schemes.activeFor(tx, zip, at), at) : null;
    const multiplier = scheme?.multiplier ?? 1;
    const earned: PointsEarned[] = [];
    const sides = [
      { accountId: citizenId, role: 'citizen' as const },
      { accountId: officerId, role: 'officer' as const },
    ];
    for (const side of sides) {
      const points = pointsForConnection(this.settings.pointsPerConnection[side.role], multiplier);
      if (points === 0) continue;
      const { entry, duplicate } = await this.ledger.post(tx, {
        accountId: side.accountId,
        delta: points,
        reason: 'connection',
        reference: connectionId,
        idempotencyKey: `connection:${connectionId}:${side.role}`,
      });
      if (duplicate) continue;
      earned.push(
        new PointsEarned({
          accountId: side.accountId,
          role: side.role,
          points,
          reason: 'connection',
          connectionId,
          multiplier,
          schemeId: scheme?.id ?? null,
          zip: zip ?? null,
          balance: entry.balanceAfter,
          ledgerSeq: entry.seq.toString(),
          entryId: entry.id,
          earnedAt: entry.createdAt.toISOString(),
        }),
      );
    }
    await this.events.publish(tx, ...earned);
    return earned;
  }
}

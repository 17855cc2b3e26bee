import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  EventConsumers,
  type BatchEventHandler,
  type EventClass,
  type EventEnvelope,
  type EventHandler,
} from '@heyblue/platform';
import { AccountCreated, AccountRoleChanged } from '@heyblue/iam';
import { PointsAdjusted, PointsDonated, PointsEarned, PointsRedeemed } from '@heyblue/rewards';
import { ConnectionEstablished } from '@heyblue/connections';
import { ProfileProjector } from '../application/projections/profile.projector.js';

/** Handler ids of the profile context (`<context>.<handler>`: the dedupe key and queue). */
export const PROFILE_HANDLERS = {
  accountCreated: 'profile.on-account-created',
  accountRoleChanged: 'profile.on-account-role-changed',
  connectionEstablished: 'profile.on-connection-established',
  pointsEarned: 'profile.on-points-earned',
  pointsRedeemed: 'profile.on-points-redeemed',
  pointsDonated: 'profile.on-points-donated',
  pointsAdjusted: 'profile.on-points-adjusted',
} as const;

@Injectable()
export class ProfileSubscriptions implements OnModuleInit {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly projector: ProfileProjector,
  ) {}

  onModuleInit(): void {
    const p = this.projector;
    // Each handler names the accounts whose profile rows it writes: the consumer locks them first,
    // in one order for the whole delivery transaction (no deadlock between batches of mixed types).
    const account = (e: { payload: { accountId: string } }) => [e.payload.accountId];
    this.on(PROFILE_HANDLERS.accountCreated, AccountCreated, (e, tx) => p.onAccountCreated(e, tx), account);
    this.on(
      PROFILE_HANDLERS.accountRoleChanged,
      AccountRoleChanged,
      (e, tx) => p.onAccountRoleChanged(e, tx),
      account,
    );
    this.on(
      PROFILE_HANDLERS.connectionEstablished,
      ConnectionEstablished,
      (e, tx) => p.onConnectionEstablished(e, tx),
      (e) => [e.payload.citizenId, e.payload.officerId],
      (es, tx) => p.onConnectionsEstablished(es, tx),
    );
    // Every points move lands here: a batch of them is applied in one statement.
    this.on(
      PROFILE_HANDLERS.pointsEarned,
      PointsEarned,
      (e, tx) => p.onPointsEarned(e, tx),
      account,
      (es, tx) => p.onPointsMoves(es, tx),
    );
    this.on(
      PROFILE_HANDLERS.pointsRedeemed,
      PointsRedeemed,
      (e, tx) => p.onPointsRedeemed(e, tx),
      account,
      (es, tx) => p.onPointsMoves(es, tx),
    );
    this.on(
      PROFILE_HANDLERS.pointsDonated,
      PointsDonated,
      (e, tx) => p.onPointsDonated(e, tx),
      account,
      (es, tx) => p.onPointsDonatedMany(es, tx),
    );
    this.on(PROFILE_HANDLERS.pointsAdjusted, PointsAdjusted, (e, tx) => p.onPointsAdjusted(e, tx), account);
  }

  private on<P extends object>(
    id: string,
    event: EventClass<P>,
    handle: EventHandler<P>,
    locks: (e: EventEnvelope<P>) => string[],
    batch?: BatchEventHandler<P>,
  ): void {
    this.consumers.subscribe(id, event, handle, { batch, locks });
  }
}

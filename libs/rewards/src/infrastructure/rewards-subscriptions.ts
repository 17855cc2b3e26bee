import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConnectionEstablished } from '@heyblue/connections';
import { EventConsumers } from '@heyblue/platform';
import { AwardPointsWhenConnectionEstablishedHandler } from '../application/earn-points/award-points-when-connection-established.handler.js';
import { REWARDS_HANDLERS } from '../rewards.constants.js';

/** Wires the rewards reactions to integration events. */
@Injectable()
export class RewardsSubscriptions implements OnModuleInit {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly award: AwardPointsWhenConnectionEstablishedHandler,
  ) {}

  onModuleInit(): void {
    this.consumers.subscribe(
      REWARDS_HANDLERS.awardPointsOnConnection,
      ConnectionEstablished,
      async (event, tx) => {
        await this.award.handle(event, tx);
      },
      // Both balances it moves: batches of awards lock them in one order (no deadlock between them).
      { locks: (e) => [e.payload.officerId, e.payload.citizenId] },
    );
  }
}

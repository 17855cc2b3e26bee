import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventConsumers } from '@heyblue/platform';
import { SOCKET_EVENTS } from '../connections.constants.js';
import { PointsAdjusted, PointsEarned } from '../events/points-earned.contract.js';
import { ConnectionRepository } from '../infrastructure/connection.repository.js';
import { AccountNotifier } from './ports.js';

/** Rewards awarded points: record them on the connection and push `points.awarded` to the account. */
@Injectable()
export class PushPointsAwardedWhenPointsEarned implements OnModuleInit {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly connections: ConnectionRepository,
    private readonly notifier: AccountNotifier,
  ) {}

  onModuleInit(): void {
    this.consumers.subscribe('connections.push-points-awarded', PointsEarned, async (event, tx) => {
      const { accountId, points, reason, balance, connectionId } = event.payload;
      if (connectionId) await this.connections.recordPoints(tx, connectionId, accountId, points);
      // Once the points are recorded for good: a batch that rolls back applies this event again.
      this.consumers.afterCommit(tx, () => {
        void this.notifier.toAccount(accountId, SOCKET_EVENTS.pointsAwarded, { points, reason, balance });
      });
    });
    // An admin's correction reaches the app the same way, with the admin's reason (points may be negative).
    this.consumers.subscribe('connections.push-points-adjusted', PointsAdjusted, async (event, tx) => {
      const { accountId, points, reason, balance } = event.payload;
      this.consumers.afterCommit(tx, () => {
        void this.notifier.toAccount(accountId, SOCKET_EVENTS.pointsAwarded, { points, reason, balance });
      });
    });
  }
}

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventConsumers } from '@heyblue/platform';
import { ProfileUpdated } from '../events/profile-updated.contract.js';
import { RedisDisplayNames } from '../infrastructure/redis-display-names.js';

/** Keeps the names shown in `nearby` and `connection.requested` in step with Profile (event-fed, no cross-context reads). */
@Injectable()
export class RememberDisplayNameWhenProfileUpdated implements OnModuleInit {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly names: RedisDisplayNames,
  ) {}

  onModuleInit(): void {
    this.consumers.subscribe('connections.remember-display-name', ProfileUpdated, async (event) => {
      const { accountId, displayName } = event.payload;
      if (typeof displayName === 'string' && displayName.length > 0)
        await this.names.remember(accountId, displayName.slice(0, 100));
    });
  }
}

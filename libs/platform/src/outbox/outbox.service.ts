import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Tx } from '../database/prisma.service.js';
import type { IntegrationEvent } from './integration-event.js';

/**
 * Writes integration events in the caller's transaction, so the state change and its
 * events commit or roll back together. Call `kick()` after commit to relay promptly.
 */
@Injectable()
export class OutboxService {
  /** Wakes the relay in this process; other instances find the rows on their next poll. */
  readonly wake = new EventEmitter();

  async publish(tx: Tx, ...events: IntegrationEvent<object>[]): Promise<void> {
    if (events.length === 0) return;
    await tx.outboxEvent.createMany({
      data: events.map((e) => ({
        id: e.id,
        type: e.type,
        version: e.version,
        occurredAt: new Date(e.occurredAt),
        payload: e.payload as object,
      })),
    });
  }

  kick(): void {
    this.wake.emit('kick');
  }
}

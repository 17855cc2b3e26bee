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
    // One statement with an array parameter per column (a hot path: every points move,
    // connection and profile change writes here inside its own transaction).
    await tx.$executeRaw`
      INSERT INTO platform_outbox_event (id, type, version, occurred_at, payload)
      SELECT * FROM unnest(
        ${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.version)}::int[],
        ${events.map((e) => e.occurredAt)}::timestamptz[], ${events.map((e) => JSON.stringify(e.payload))}::jsonb[])`;
  }

  kick(): void {
    this.wake.emit('kick');
  }
}

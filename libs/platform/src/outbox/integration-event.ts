import { randomUUID } from 'node:crypto';

/** The serialised form of an integration event, as stored in the outbox and carried on queues. */
export interface EventEnvelope<P = Record<string, unknown>> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  payload: P;
  /**
   * When the outbox row was written (its transaction's time), set by the relay: consumer lag is
   * measured from it (occurredAt is the fact's time, which may be older than the commit).
   */
  recordedAt?: string;
}

/**
 * Base of every integration event: a versioned, plain, serialisable fact in the past tense.
 * Subclasses declare `static readonly type` and `static readonly version`.
 */
export abstract class IntegrationEvent<P extends object = Record<string, unknown>> {
  readonly id: string;
  readonly occurredAt: string;

  constructor(
    readonly payload: P,
    meta: { id?: string; occurredAt?: Date | string } = {},
  ) {
    this.id = meta.id ?? randomUUID();
    this.occurredAt = new Date(meta.occurredAt ?? Date.now()).toISOString();
  }

  get type(): string {
    return (this.constructor as unknown as EventClass).type;
  }

  get version(): number {
    return (this.constructor as unknown as EventClass).version;
  }

  toEnvelope(): EventEnvelope<P> {
    return {
      id: this.id,
      type: this.type,
      version: this.version,
      occurredAt: this.occurredAt,
      payload: this.payload,
    };
  }
}

/** What a subscriber needs to know of an event class. */
export interface EventClass<P extends object = Record<string, unknown>> {
  readonly type: string;
  readonly version: number;
  new (payload: P, meta?: { id?: string; occurredAt?: Date | string }): IntegrationEvent<P>;
}

/** An outbox row as the relay, the redelivery and the AMQP publisher read it (`id::text AS id`). */
export interface OutboxRow {
  seq: bigint;
  id: string;
  type: string;
  version: number;
  occurred_at: Date;
  created_at: Date;
  payload: Record<string, unknown>;
}

/** The common envelope of an outbox row: `recordedAt` is the row's own time (what lag is measured from). */
export const envelopeOf = (row: OutboxRow): EventEnvelope => ({
  id: row.id,
  type: row.type,
  version: row.version,
  occurredAt: row.occurred_at.toISOString(),
  payload: row.payload,
  recordedAt: row.created_at.toISOString(),
});

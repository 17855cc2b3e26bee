import { createHash } from 'node:crypto';
import { Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Bull from 'bull';
import type { Env } from '../config/environment.js';
import { PrismaService, type Tx } from '../database/prisma.service.js';
import type { EventClass, EventEnvelope } from './integration-event.js';
import { DeadLetterAlerts } from './dead-letter-alerts.js';
import { EventLag } from './event-lag.js';
import { QueueFactory, withTimeout } from './queue.factory.js';
import { withSpan } from '../telemetry/spans.js';

/** Handles one event inside the transaction that also records it as processed. */
export type EventHandler<P = Record<string, unknown>> = (event: EventEnvelope<P>, tx: Tx) => Promise<void>;

/**
 * Handles several events of one type in one call, inside the transaction that records them
 * as processed; it must leave the state `handle` would leave applied to each in turn (a
 * set-based statement instead of one per event, for the hot event types).
 */
export type BatchEventHandler<P = Record<string, unknown>> = (
  events: EventEnvelope<P>[],
  tx: Tx,
) => Promise<void>;

export interface SubscribeOptions<P> {
  /** Used for the fresh deliveries of a batch job; single deliveries and replays use `handle`. */
  batch?: BatchEventHandler<P>;
  /**
   * What the handler writes that another delivery of its context may write too, as keys (the
   * account ids whose rows it changes). The delivery transaction takes one lock per key of all
   * its deliveries, in one global order, before any other statement: two consumer transactions
   * that meet on an account then wait for each other at the door, never in the middle holding
   * rows the other needs, so no interleaving of event types and batches can deadlock. A handler
   * that only inserts rows of its own (keyed by the event) needs none. See docs/events.md.
   */
  locks?: (event: EventEnvelope<P>) => Array<string | null | undefined>;
}

interface Subscription {
  /** `<context>.<handler-name>`: the dedupe key; the context part names the queue. */
  handlerId: string;
  eventType: string;
  handle: EventHandler<never>;
  handleBatch?: BatchEventHandler<never>;
  locks?: (event: EventEnvelope<never>) => Array<string | null | undefined>;
}

export interface EventJob {
  handlerId: string;
  event: EventEnvelope;
}

/**
 * Several deliveries for one queue from one relay pass, applied in one transaction: under
 * load one bull job and one transaction carry many events instead of one each. When any
 * delivery of it fails, none is applied and each goes on as its own EventJob (own attempts,
 * own dead letter), so one bad event never holds the others back.
 */
export interface EventBatchJob {
  batch: EventJob[];
}

export type EventQueueJob = EventJob | EventBatchJob;

/** The job id of one delivery: re-relaying an event (after a crash) adds no second job. */
export const deliveryJobId = (j: EventJob): string => `${j.event.id}:${j.handlerId}`;

/** The error bull fails a job with when it stalled more than `maxStalledCount` times. */
export const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** Queue names are `events.<context>`: one durable queue per consuming context. */
export const eventQueueName = (handlerId: string): string => `events.${handlerId.split('.')[0]}`;

/**
 * The subscriber side of the outbox: contexts subscribe a handler per event type;
 * each context gets a durable bull queue; a handler runs at most once in effect per
 * event (processed-event table, same transaction as the handler's writes) and lands
 * in the dead-letter store after the configured attempts.
 */
@Injectable()
export class EventConsumers implements OnApplicationBootstrap {
  private readonly logger = new Logger('EventConsumers');
  private readonly subscriptions = new Map<string, Subscription>();
  private started = false;
  /** The after-commit hooks of each delivery transaction in progress. */
  private readonly commitHooks = new Map<Tx, Array<() => void>>();
  /** Free delivery-transaction slots (EVENT_CONSUMER_CONNECTIONS) and the deliveries waiting for one. */
  private slots: number;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueFactory,
    private readonly config: ConfigService<Env, true>,
    private readonly lag: EventLag,
    @Optional() private readonly alerts?: DeadLetterAlerts,
  ) {
    this.slots = this.config.get('EVENT_CONSUMER_CONNECTIONS', { infer: true }) ?? 8;
  }

  subscribe<P extends object>(
    handlerId: string,
    event: EventClass<P>,
    handle: EventHandler<P>,
    options: SubscribeOptions<P> = {},
  ): void {
    if (!/^[a-z0-9-]+\.[a-z0-9.-]+$/.test(handlerId))
      throw new Error(`handler id must look like <context>.<name>: ${handlerId}`);
    if (this.subscriptions.has(handlerId)) throw new Error(`duplicate event handler ${handlerId}`);
    if (this.started) throw new Error('subscribe during module init, before the application bootstraps');
    this.subscriptions.set(handlerId, {
      handlerId,
      eventType: event.type,
      handle: handle as EventHandler<never>,
      handleBatch: options.batch as BatchEventHandler<never> | undefined,
      locks: options.locks as Subscription['locks'],
    });
  }

  /**
   * Runs `fn` once the delivery transaction `tx` has committed, never when it rolls back: a
   * handler's side effects outside the database (socket pushes) then happen once per applied
   * event, also when a batch it ran in fails because of another delivery and each is applied
   * again on its own. Only inside a handler's transaction.
   */
  afterCommit(tx: Tx, fn: () => void): void {
    const hooks = this.commitHooks.get(tx);
    if (!hooks) throw new Error('afterCommit is for event handlers, inside the delivery transaction');
    hooks.push(fn);
  }

  /**
   * One delivery transaction (a single delivery or a batch), then its after-commit hooks. At most
   * EVENT_CONSUMER_CONNECTIONS run at once on an instance: every queue's workers (8 each, six
   * queues) would otherwise ask the pool for more connections than it has, leave HTTP requests
   * none, and time out waiting for one (Prisma's maxWait), failing whole batches.
   */
  private async inDelivery(work: (tx: Tx) => Promise<void>): Promise<void> {
    const hooks: Array<() => void> = [];
    if (this.slots > 0) this.slots -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      await this.prisma.$transaction(
        async (tx) => {
          this.commitHooks.set(tx, hooks);
          try {
            await work(tx);
          } finally {
            this.commitHooks.delete(tx);
          }
        },
        { maxWait: 10_000, timeout: 30_000 },
      );
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.slots += 1;
    }
    for (const hook of hooks) {
      try {
        hook();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'after-commit hook of an event handler failed');
      }
    }
  }

  handlersFor(eventType: string): string[] {
    return [...this.subscriptions.values()].filter((s) => s.eventType === eventType).map((s) => s.handlerId);
  }

  jobOptions(jobId: string): Bull.JobOptions {
    return {
      jobId,
      attempts: this.config.get('EVENT_MAX_ATTEMPTS', { infer: true }),
      backoff: { type: 'exponential', delay: this.config.get('EVENT_BACKOFF_MS', { infer: true }) },
      removeOnComplete: 1_000,
      removeOnFail: 1_000,
    };
  }

  queueNames(): string[] {
    return [...new Set([...this.subscriptions.keys()].map(eventQueueName))];
  }

  onApplicationBootstrap(): void {
    this.started = true;
    this.lag.watch(this.queueNames());
    if (!this.config.get('EVENT_WORKERS_ENABLED', { infer: true })) return;
    for (const name of this.queueNames()) {
      const queue = this.queues.get(name);
      // Bull gives up a job whose worker stalled (died, or starved past its lock) more often than
      // maxStalledCount without calling the processor again, so run()'s dead-lettering never sees
      // it: record it here, or the event would be lost for this consumer.
      queue.on('failed', (job: Bull.Job<EventQueueJob> | null, err: Error | undefined) => {
        if (!job || err?.message !== STALLED_TOO_OFTEN) return;
        for (const delivery of deliveries(job.data)) void this.deadLetter(delivery, job.attemptsMade, err);
      });
      void queue.process(8, (job: Bull.Job<EventQueueJob>) =>
        'batch' in job.data
          ? this.runBatch(job as Bull.Job<EventBatchJob>, name)
          : this.traced(name, job.data, () => this.run(job as Bull.Job<EventJob>)),
      );
    }
  }

  private traced<T>(queue: string, j: EventJob, work: () => Promise<T>): Promise<T> {
    const attributes = {
      'messaging.system': 'bull',
      'messaging.destination.name': queue,
      'heyblue.event.type': j.event.type,
      'heyblue.event.id': j.event.id,
    };
    return withSpan(`event ${j.handlerId}`, attributes, work);
  }

  /**
   * The transaction-scoped advisory lock keys of `items` (see SubscribeOptions.locks), ascending.
   * Keys are per context (the handler id's first part), so contexts never wait for each other.
   */
  private lockKeys(items: EventJob[]): string[] {
    const keys = new Set<bigint>();
    for (const item of items) {
      const sub = this.handlerOf(item);
      if (!sub.locks) continue;
      const context = sub.handlerId.split('.')[0]!;
      for (const k of sub.locks(item.event as never)) if (k) keys.add(advisoryKey(`${context}:${k}`));
    }
    return [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map(String);
  }

  /**
   * The door of every delivery transaction, in one statement (one round trip: under load the
   * round trips, not the work, bound a consumer): first the advisory locks, ascending (a function
   * scan of the sorted array calls pg_advisory_xact_lock in order; the scalar subquery is an
   * InitPlan, run before the insert reads its first row), then the processed-event keys, in one
   * order too. Answers the deliveries not applied before.
   */
  private async admit(tx: Tx, items: EventJob[]): Promise<Set<string>> {
    const keys = this.lockKeys(items);
    const byKey = [...items].sort((x, y) => compare(deliveryJobId(x), deliveryJobId(y)));
    const fresh = await tx.$queryRaw<Array<{ handler_id: string; event_id: string }>>`
      WITH locked AS (SELECT count(pg_advisory_xact_lock(k)) AS n FROM unnest(${keys}::bigint[]) AS k)
      INSERT INTO platform_processed_event (handler_id, event_id)
      SELECT * FROM unnest(${byKey.map((i) => i.handlerId)}::text[], ${byKey.map((i) => i.event.id)}::uuid[])
      WHERE (SELECT n FROM locked) >= 0
      ON CONFLICT DO NOTHING RETURNING handler_id, event_id::text AS event_id`;
    return new Set(fresh.map((r) => `${r.event_id}:${r.handler_id}`));
  }

  /** Applies a batch in one transaction, or hands each of its deliveries on as its own job. */
  private async runBatch(job: Bull.Job<EventBatchJob>, queue: string): Promise<void> {
    const items = job.data.batch;
    let applied: EventJob[] = [];
    try {
      await this.inDelivery(async (tx) => {
        // The processed-event keys are inserted in one order too: a redelivered event in two
        // batches at once makes one transaction wait for the other's insert, never both for each other.
        const due = await this.admit(tx, items);
        // Not fresh: redelivered, already applied (the same delivery twice in one batch runs once).
        const todo = items.filter((item) => due.delete(deliveryJobId(item)));
        applied = todo;
        const grouped = new Set<string>();
        for (const item of todo) {
          const sub = this.handlerOf(item);
          if (!sub.handleBatch) {
            await this.traced(queue, item, () => sub.handle(item.event as never, tx));
          } else if (!grouped.has(sub.handlerId)) {
            // All of this handler's deliveries in one call, where its first one stood.
            grouped.add(sub.handlerId);
            const events = todo.filter((i) => i.handlerId === sub.handlerId).map((i) => i.event);
            const attributes = {
              'messaging.system': 'bull',
              'messaging.destination.name': queue,
              'heyblue.event.type': sub.eventType,
              'messaging.batch.message_count': events.length,
            };
            await withSpan(`events ${sub.handlerId}`, attributes, () =>
              sub.handleBatch!(events as never, tx),
            );
          }
        }
      });
      this.lag.applied(
        queue,
        applied.map((i) => i.event),
      );
    } catch (err) {
      this.logger.warn(
        { queue, deliveries: items.length, err: (err as Error).message },
        'event batch failed: its deliveries go on one by one',
      );
      try {
        await withTimeout(
          this.queues
            .get(queue)
            .addBulk(items.map((data) => ({ data, opts: this.jobOptions(deliveryJobId(data)) }))),
          5_000,
          'queue unavailable',
        );
      } catch (handOffError) {
        // Redis refused the hand-off too: bull retries the batch; on its last attempt the
        // deliveries are dead-lettered so none is lost.
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
          for (const item of items) await this.deadLetter(item, job.attemptsMade, handOffError as Error);
        throw handOffError;
      }
    }
  }

  private handlerOf(j: EventJob): Subscription {
    const sub = this.subscriptions.get(j.handlerId);
    if (!sub) throw new Error(`no handler ${j.handlerId} in this build`);
    return sub;
  }

  /**
   * Applies one delivery now, in its own transaction: its locks, its processed-event row, the
   * handler (the path of every single job). False when it had been applied before. Bull jobs,
   * and benchmarks that apply events one by one as a baseline, go through here.
   */
  async applyOne(delivery: EventJob): Promise<boolean> {
    const { handlerId, event } = delivery;
    const sub = this.handlerOf(delivery);
    let fresh = false;
    await this.inDelivery(async (tx) => {
      fresh = (await this.admit(tx, [delivery])).size > 0;
      if (!fresh) return; // redelivered: already applied
      await sub.handle(event as never, tx);
    });
    if (fresh) this.lag.applied(eventQueueName(handlerId), [event]);
    return fresh;
  }

  private async run(job: Bull.Job<EventJob>): Promise<void> {
    try {
      await this.applyOne(job.data);
    } catch (err) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        await this.deadLetter(job.data, job.attemptsMade, err as Error);
      }
      throw err;
    }
  }

  private async deadLetter(delivery: EventJob, attemptsMade: number, err: Error): Promise<void> {
    const { handlerId, event } = delivery;
    this.logger.error(
      { handlerId, eventId: event.id, eventType: event.type, err: err.message },
      'event dead-lettered',
    );
    await this.prisma.deadLetter
      .create({
        data: {
          source: 'event',
          target: handlerId,
          eventId: event.id,
          eventType: event.type,
          payload: event as object,
          error: String(err.stack ?? err.message).slice(0, 4_000),
          attempts: attemptsMade + 1,
        },
      })
      .catch((e: Error) => this.logger.error(`could not store dead letter: ${e.message}`));
    this.alerts?.notify({ source: 'event', target: handlerId, eventType: event.type, error: err.message });
  }
}

const deliveries = (j: EventQueueJob): EventJob[] => ('batch' in j ? j.batch : [j]);

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** A 64-bit advisory lock key for a string (the first 8 bytes of its SHA-1, signed as PostgreSQL's bigint). */
export const advisoryKey = (key: string): bigint => createHash('sha1').update(key).digest().readBigInt64BE(0);

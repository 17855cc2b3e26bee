import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Bull from 'bull';
import type { Env } from '../config/environment.js';
import { PrismaService, type Tx } from '../database/prisma.service.js';
import type { EventClass, EventEnvelope } from './integration-event.js';
import { QueueFactory } from './queue.factory.js';
import { withSpan } from '../telemetry/spans.js';

/** Handles one event inside the transaction that also records it as processed. */
export type EventHandler<P = Record<string, unknown>> = (event: EventEnvelope<P>, tx: Tx) => Promise<void>;

interface Subscription {
  /** `<context>.<handler-name>`: the dedupe key; the context part names the queue. */
  handlerId: string;
  eventType: string;
  handle: EventHandler<never>;
}

export interface EventJob {
  handlerId: string;
  event: EventEnvelope;
}

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

  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueFactory,
    private readonly config: ConfigService<Env, true>,
  ) {}

  subscribe<P extends object>(handlerId: string, event: EventClass<P>, handle: EventHandler<P>): void {
    if (!/^[a-z0-9-]+\.[a-z0-9.-]+$/.test(handlerId)) throw new Error(`handler id must look like <context>.<name>: ${handlerId}`);
    if (this.subscriptions.has(handlerId)) throw new Error(`duplicate event handler ${handlerId}`);
    if (this.started) throw new Error('subscribe during module init, before the application bootstraps');
    this.subscriptions.set(handlerId, { handlerId, eventType: event.type, handle: handle as EventHandler<never> });
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
    if (!this.config.get('EVENT_WORKERS_ENABLED', { infer: true })) return;
    for (const name of this.queueNames()) {
      const queue = this.queues.get(name);
      // Bull gives up a job whose worker stalled (died, or starved past its lock) more often than
      // maxStalledCount without calling the processor again, so run()'s dead-lettering never sees
      // it: record it here, or the event would be lost for this consumer.
      queue.on('failed', (job: Bull.Job<EventJob> | null, err: Error | undefined) => {
        if (job && err?.message === STALLED_TOO_OFTEN) void this.deadLetter(job, err);
      });
      void queue
        .process(8, (job: Bull.Job<EventJob>) =>
          withSpan(`event ${job.data.handlerId}`, { 'messaging.system': 'bull', 'messaging.destination.name': name, 'heyblue.event.type': job.data.event.type, 'heyblue.event.id': job.data.event.id }, () => this.run(job)),
        );
    }
  }

  private async run(job: Bull.Job<EventJob>): Promise<void> {
    const { handlerId, event } = job.data;
    try {
      const sub = this.subscriptions.get(handlerId);
      if (!sub) throw new Error(`no handler ${handlerId} in this build`);
      await this.prisma.$transaction(async (tx) => {
        const fresh = await tx.$executeRaw`
          INSERT INTO platform_processed_event (handler_id, event_id) VALUES (${handlerId}, ${event.id}::uuid)
          ON CONFLICT DO NOTHING`;
        if (fresh === 0) return; // redelivered: already applied
        await sub.handle(event as never, tx);
      });
    } catch (err) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        await this.deadLetter(job, err as Error);
      }
      throw err;
    }
  }

  private async deadLetter(job: Bull.Job<EventJob>, err: Error): Promise<void> {
    const { handlerId, event } = job.data;
    this.logger.error({ handlerId, eventId: event.id, eventType: event.type, err: err.message }, 'event dead-lettered');
    await this.prisma.deadLetter
      .create({
        data: {
          source: 'event',
          target: handlerId,
          eventId: event.id,
          eventType: event.type,
          payload: event as object,
          error: String(err.stack ?? err.message).slice(0, 4_000),
          attempts: job.attemptsMade + 1,
        },
      })
      .catch((e: Error) => this.logger.error(`could not store dead letter: ${e.message}`));
  }
}

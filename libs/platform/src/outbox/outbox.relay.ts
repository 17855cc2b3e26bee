import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import client from 'prom-client';
import type { Env } from '../config/environment.js';
import { PrismaService } from '../database/prisma.service.js';
import {
  EventConsumers,
  deliveryJobId,
  eventQueueName,
  type EventJob,
  type EventQueueJob,
} from './event-consumers.js';
import { envelopeOf, type OutboxRow } from './integration-event.js';
import { OutboxService } from './outbox.service.js';
import { QueueFactory, withTimeout } from './queue.factory.js';

const BATCH = 200;
/** Deliveries per bull job: a consumer applies them in one transaction (see EventBatchJob). */
const PER_JOB = 50;
/**
 * Jobs an event queue may have waiting before the relay holds back. A consumer transaction costs
 * about the same for one delivery as for fifty (round trips, not rows), but a batch is made
 * when its events are relayed: a relay that kept pace with a stream made jobs of a few
 * deliveries each, and consumers that fell behind worked through thousands of small jobs and
 * never caught up (bench:events, issue #27). Holding back while the workers have enough to do
 * leaves new events in the outbox, and the next pass takes them as full batches.
 */
const AHEAD = 8;
/** The longest the relay holds back, then one pass goes out (a stuck consumer must not stop the relay). */
const HOLD_MAX_MS = 1_000;
/**
 * How often a pass reads the whole pending index instead of starting above the rows this
 * instance already dispatched. Dispatched rows leave dead entries at the low end of that
 * index until vacuum, and under load a pass from the start walked thousands of them (4-9 ms
 * of database CPU per pass in bench:rest). The full pass catches a row committed late below
 * the rows already dispatched (its transaction began first): such a row waits at most this long.
 */
const FULL_PASS_EVERY_MS = 1_000;

const relayFailures = new client.Counter({
  name: 'heyblue_outbox_relay_failures_total',
  help: 'Outbox relay passes that failed (queue or database unavailable); rows stay and are retried',
});

/** bull counts the lists it is given (its typings only know the no-argument form). */
type CountingQueue = {
  getJobCounts(...types: Array<'wait' | 'active'>): Promise<{ wait: number; active: number }>;
};

/**
 * Moves committed outbox rows to the consumers' durable queues. Rows are locked with
 * SKIP LOCKED so several instances relay without double work, and are marked
 * dispatched only after every queue accepted them: if Redis is down the rows stay
 * and go out on a later pass. Deterministic job ids make a re-relay harmless.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  /** When the last pass ended, and whether a pass is already due for after the spacing. */
  private lastPassEnd = 0;
  private due = false;
  private readonly onKick = () => this.trigger();
  /** Failed passes since start (also exported as a metric). */
  failedPasses = 0;
  /** The highest seq this instance dispatched: the next quick pass reads above it. */
  private floor = 0n;
  private lastFullPass = 0;
  /** Since when the relay has held back for busy consumers (0: it is not holding). */
  private holdingSince = 0;
  private held = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly consumers: EventConsumers,
    private readonly queues: QueueFactory,
    private readonly outbox: OutboxService,
    private readonly config: ConfigService<Env, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.get('OUTBOX_RELAY_ENABLED', { infer: true })) return;
    this.stopped = false;
    this.outbox.wake.on('kick', this.onKick);
    this.trigger();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.outbox.wake.off('kick', this.onKick);
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastPassEnd + this.config.get('OUTBOX_COALESCE_MS', { infer: true }) - Date.now();
    if (wait > 0) {
      if (this.due) return;
      clearTimeout(this.timer);
      this.due = true;
      this.timer = setTimeout(() => {
        this.due = false;
        this.trigger();
      }, wait);
      return;
    }
    clearTimeout(this.timer);
    this.due = false;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      this.lastPassEnd = Date.now();
      if (this.stopped) return;
      if (this.held) {
        // Consumers busy: look again soon (kicks meanwhile are folded into that look).
        this.held = false;
        this.again = false;
        this.timer = setTimeout(
          () => this.trigger(),
          Math.max(25, this.config.get('OUTBOX_COALESCE_MS', { infer: true })),
        );
      } else if (this.again) {
        this.again = false;
        this.trigger();
      } else {
        this.timer = setTimeout(() => this.trigger(), this.config.get('OUTBOX_POLL_MS', { infer: true }));
      }
    });
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped) {
        if (await this.consumersBehind()) {
          this.held = true;
          return;
        }
        if ((await this.relayOnce()) !== BATCH) break;
      }
    } catch (err) {
      this.failedPasses += 1;
      relayFailures.inc();
      this.logger.warn(`outbox relay pass failed, will retry: ${(err as Error).message}`);
    }
  }

  /**
   * True while some event queue has more than AHEAD jobs waiting and workers taking them, for at
   * most HOLD_MAX_MS at a time. A queue no worker takes (paused, or no instance consumes it)
   * holds nothing back: its jobs just wait ('wait' is the wait list; a paused queue's jobs sit in
   * its paused list).
   */
  private async consumersBehind(): Promise<boolean> {
    const counts = await withTimeout(
      Promise.all(
        this.consumers
          .queueNames()
          .map((name) => (this.queues.get(name) as unknown as CountingQueue).getJobCounts('wait', 'active')),
      ),
      5_000,
      'queue unavailable',
    );
    const now = Date.now();
    if (!counts.some((c) => c.wait > AHEAD && c.active > 0)) {
      this.holdingSince = 0;
      return false;
    }
    if (this.holdingSince === 0) this.holdingSince = now;
    if (now - this.holdingSince < HOLD_MAX_MS) return true;
    this.holdingSince = 0;
    return false;
  }

  /** One pass: returns how many rows were dispatched. Exposed for tests and the ops CLI. */
  async relayOnce(): Promise<number> {
    const full = Date.now() - this.lastFullPass >= FULL_PASS_EVERY_MS;
    if (full) this.lastFullPass = Date.now();
    const above = full ? -1n : this.floor;
    const dispatched = await this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT seq, id::text AS id, type, version, occurred_at, created_at, payload FROM platform_outbox_event
          WHERE dispatched_at IS NULL AND seq > ${above} ORDER BY seq LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return [];
        const byQueue = new Map<string, EventJob[]>();
        for (const row of rows) {
          const event = envelopeOf(row);
          for (const handlerId of this.consumers.handlersFor(row.type)) {
            const name = eventQueueName(handlerId);
            const jobs = byQueue.get(name) ?? [];
            jobs.push({ handlerId, event });
            byQueue.set(name, jobs);
          }
        }
        await withTimeout(
          Promise.all(
            [...byQueue].map(([name, deliveries]) =>
              this.queues.get(name).addBulk(this.jobs(name, deliveries)),
            ),
          ),
          5_000,
          'queue unavailable',
        );
        await tx.$executeRaw`UPDATE platform_outbox_event SET dispatched_at = now() WHERE seq = ANY(${rows.map((r) => r.seq)}::bigint[])`;
        return rows.map((r) => BigInt(r.seq));
      },
      { timeout: 20_000, maxWait: 5_000 },
    );
    for (const seq of dispatched) if (seq > this.floor) this.floor = seq;
    return dispatched.length;
  }

  /**
   * One job per delivery when a pass has one for the queue, else batches of up to PER_JOB.
   * A batch's id is made of its first and last delivery: a re-relay of the same rows (after
   * a crash between queueing and marking) adds nothing; one that groups them otherwise
   * delivers again, which the consumers' processed-event dedupe absorbs.
   */
  private jobs(
    queue: string,
    deliveries: EventJob[],
  ): Array<{ data: EventQueueJob; opts: ReturnType<EventConsumers['jobOptions']> }> {
    if (deliveries.length === 1)
      return [{ data: deliveries[0]!, opts: this.consumers.jobOptions(deliveryJobId(deliveries[0]!)) }];
    const jobs = [];
    for (let i = 0; i < deliveries.length; i += PER_JOB) {
      const batch = deliveries.slice(i, i + PER_JOB);
      const id = `batch:${queue}:${deliveryJobId(batch[0]!)}:${deliveryJobId(batch[batch.length - 1]!)}:${batch.length}`;
      jobs.push({
        data: batch.length === 1 ? batch[0]! : { batch },
        opts: this.consumers.jobOptions(batch.length === 1 ? deliveryJobId(batch[0]!) : id),
      });
    }
    return jobs;
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import * as amqp from 'amqplib';
import client from 'prom-client';
import type { Env } from '../config/environment.js';
import { PrismaService } from '../database/prisma.service.js';
import { envelopeOf, type OutboxRow } from './integration-event.js';
import { OutboxService } from './outbox.service.js';
import { withTimeout } from './queue.factory.js';

/** Events per pass: one transaction, published on one confirm channel, confirmed together. */
const BATCH = 500;
/** How long a pass waits for the broker to confirm its messages before it gives up on the rest. */
const CONFIRM_TIMEOUT_MS = 10_000;
/** pg_try_advisory_xact_lock key: one instance at a time publishes (arbitrary but fixed; the redelivery uses ...001). */
const PUBLISH_LOCK = 7_270_002n;
/** The least time between a kick and the pass it causes: rows of concurrent commits gather. */
const COALESCE_MS = 10;

const publishedTotal = new client.Counter({
  name: 'heyblue_amqp_published_total',
  help: 'Integration events RabbitMQ confirmed (published to AMQP_EXCHANGE)',
});
const publishFailures = new client.Counter({
  name: 'heyblue_amqp_publish_failures_total',
  help: 'AMQP publishing passes that failed (broker unreachable, not confirming, or database unavailable); the events stay and are retried',
});

/**
 * Publishes every integration event to a RabbitMQ topic exchange for other systems, when AMQP_URL
 * is set. Driven by the outbox, like the relay to the in-process queues but independent of it: a
 * row is marked `amqp_published_at` only after the broker confirmed it (publisher confirms,
 * persistent messages), so a broker outage loses nothing and delays only this publisher.
 *
 * Order: one instance at a time publishes (a transaction-scoped advisory lock), reading the
 * unpublished rows in `seq` order and publishing them on one channel, and marks the confirmed
 * prefix; what follows a failure goes out again on the next pass, after it. An aggregate's events
 * therefore arrive in the order they were committed. Delivery is at least once (a crash between
 * the confirm and the commit publishes again): consumers dedupe by message id = event id.
 */
@Injectable()
export class OutboxAmqpPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxAmqpPublisher');
  private connection?: amqp.RecoveringChannelModel;
  private channel?: Promise<amqp.ConfirmChannel>;
  private timer?: NodeJS.Timeout;
  private timerDue = 0;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  /** Whether the failure being logged is the first of a run (a long outage logs once, not every poll). */
  private failing = false;
  private readonly onKick = () => this.schedule(COALESCE_MS);
  /** Whether this instance has a connection to the broker now (readiness and a gauge report it). */
  connected = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly config: ConfigService<Env, true>,
  ) {}

  /** Whether AMQP_URL is set (and this instance relays the outbox at all). */
  get enabled(): boolean {
    return (
      !!this.config.get('AMQP_URL', { infer: true }) &&
      this.config.get('OUTBOX_RELAY_ENABLED', { infer: true })
    );
  }

  private get exchange(): string {
    return this.config.get('AMQP_EXCHANGE', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registerGauges();
    if (!this.enabled) return;
    this.stopped = false;
    // The client reconnects by itself, with exponential backoff and jitter up to 30 s; boot does not
    // wait for the broker (the app serves users without it).
    this.connection = await amqp.connect(this.config.get('AMQP_URL', { infer: true })!, {
      timeout: 5_000,
      clientProperties: { connection_name: 'heyblue outbox publisher' },
      recovery: { initialDelay: 250, maxDelay: 30_000, waitForConnect: false },
    });
    this.connection.on('connect', () => {
      this.connected = true;
      this.logger.log(`connected to the broker, publishing to exchange ${this.exchange}`);
      this.schedule(0);
    });
    this.connection.on('disconnect', (err: Error) => {
      this.connected = false;
      this.channel = undefined;
      this.logger.warn(`lost the broker, events wait in the outbox: ${err.message}`);
    });
    this.connection.on('connect-failed', (err: Error) => {
      if (!this.failing) this.logger.warn(`broker unreachable, will retry: ${err.message}`);
      this.failing = true;
    });
    // Without a listener an 'error' event would throw; the close that follows it is what matters.
    this.connection.on('error', (err: Error) => this.logger.debug(`broker connection error: ${err.message}`));
    this.outbox.wake.on('kick', this.onKick);
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.outbox.wake.off('kick', this.onKick);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.loop().finally(() => {
        this.running = undefined;
        const next = this.again ? COALESCE_MS : this.config.get('OUTBOX_POLL_MS', { infer: true });
        this.again = false;
        this.schedule(next);
      });
    }, delayMs);
  }

  private async loop(): Promise<void> {
    if (!this.connected) return;
    try {
      while (!this.stopped && (await this.publishOnce()) === BATCH);
      if (this.failing) this.logger.log('publishing to the broker again');
      this.failing = false;
    } catch (err) {
      publishFailures.inc();
      if (!this.failing)
        this.logger.warn(`AMQP publishing pass failed, will retry: ${(err as Error).message}`);
      this.failing = true;
    }
  }

  /**
   * One pass: publishes the oldest unpublished events (up to BATCH) and marks those the broker
   * confirmed. Returns how many rows it read (0 when another instance holds the turn). Throws when
   * the broker is unreachable or did not confirm every message (the confirmed prefix is kept).
   */
  async publishOnce(): Promise<number> {
    const channel = await this.openChannel();
    const pass = await this.prisma.$transaction(
      async (tx) => {
        const [turn] = await tx.$queryRaw<Array<{ mine: boolean }>>`
          SELECT pg_try_advisory_xact_lock(${PUBLISH_LOCK}::bigint) AS mine`;
        if (!turn?.mine) return { rows: 0, published: [] as bigint[], error: undefined };
        // Always from the lowest unpublished row, never above a mark kept between passes (as the
        // relay does to save index reads): a row committed late below such a mark would go out
        // after rows its aggregate committed later (the e2e test caught it: an account's
        // PointsDonated ahead of its earlier PointsEarned).
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT seq, id::text AS id, type, version, occurred_at, created_at, payload FROM platform_outbox_event
          WHERE amqp_published_at IS NULL ORDER BY seq LIMIT ${BATCH}`;
        if (rows.length === 0) return { rows: 0, published: [] as bigint[], error: undefined };
        const { confirmed, error } = await this.send(channel, rows);
        const published = rows.slice(0, confirmed).map((r) => r.seq);
        if (published.length > 0)
          await tx.$executeRaw`UPDATE platform_outbox_event SET amqp_published_at = now() WHERE seq = ANY(${published}::bigint[])`;
        return { rows: rows.length, published, error };
      },
      { timeout: CONFIRM_TIMEOUT_MS + 10_000, maxWait: 5_000 },
    );
    publishedTotal.inc(pass.published.length);
    if (pass.error) throw pass.error;
    return pass.rows;
  }

  /**
   * Publishes the rows in order on one confirm channel and waits for the broker's confirms.
   * `confirmed` is the length of the confirmed prefix: only those may be marked, so that what
   * comes after a failure is published again after it, never before it.
   */
  private async send(
    channel: amqp.ConfirmChannel,
    rows: OutboxRow[],
  ): Promise<{ confirmed: number; error?: Error }> {
    const acked: boolean[] = [];
    const exchange = this.exchange;
    const confirms = rows.map(
      (row, i) =>
        new Promise<void>((resolve, reject) => {
          const envelope = envelopeOf(row);
          channel.publish(
            exchange,
            row.type,
            Buffer.from(JSON.stringify(envelope)),
            {
              persistent: true,
              messageId: row.id,
              type: row.type,
              contentType: 'application/json',
              timestamp: Math.floor(row.created_at.getTime() / 1000),
              appId: 'heyblue',
              headers: { type: row.type, version: row.version, occurredAt: envelope.occurredAt },
            },
            (err: unknown) => {
              acked[i] = !err;
              if (err)
                reject(err instanceof Error ? err : new Error(`broker refused the message: ${String(err)}`));
              else resolve();
            },
          );
        }),
    );
    let error: Error | undefined;
    try {
      await withTimeout(Promise.all(confirms), CONFIRM_TIMEOUT_MS, 'broker did not confirm in time');
    } catch (err) {
      error = err as Error;
      // A channel that failed or went quiet is not used again: the next pass opens a fresh one.
      this.dropChannel(channel);
    }
    let confirmed = 0;
    while (confirmed < rows.length && acked[confirmed] === true) confirmed += 1;
    return {
      confirmed,
      error: confirmed < rows.length ? (error ?? new Error('broker did not confirm')) : undefined,
    };
  }

  private async openChannel(): Promise<amqp.ConfirmChannel> {
    if (!this.connection || !this.connected) throw new Error('broker not connected');
    if (!this.channel) {
      const opening = withTimeout(
        (async () => {
          const channel = await this.connection!.createConfirmChannel();
          channel.on('error', (err: Error) => this.logger.warn(`AMQP channel error: ${err.message}`));
          channel.on('close', () => {
            if (this.channel === opening) this.channel = undefined;
          });
          await channel.assertExchange(this.exchange, 'topic', { durable: true });
          return channel;
        })(),
        5_000,
        'broker did not open a channel in time',
      );
      this.channel = opening;
      opening.catch(() => {
        if (this.channel === opening) this.channel = undefined;
      });
    }
    return this.channel;
  }

  private dropChannel(channel: amqp.ConfirmChannel): void {
    this.channel = undefined;
    channel.close().catch(() => undefined);
  }

  /**
   * Metrics that read this instance's state or the outbox, re-registered per app (tests boot several);
   * exposed (as 0) without AMQP_URL too, so the dashboard's queries always find them.
   */
  private registerGauges(): void {
    const prisma = this.prisma;
    const connected = () => this.connected;
    const enabled = this.enabled;
    client.register.removeSingleMetric('heyblue_amqp_connected');
    client.register.removeSingleMetric('heyblue_amqp_oldest_unpublished_seconds');
    new client.Gauge({
      name: 'heyblue_amqp_connected',
      help: 'Whether this instance holds a connection to the RabbitMQ broker (1) or not (0)',
      collect() {
        this.set(connected() ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'heyblue_amqp_oldest_unpublished_seconds',
      help: 'Age of the oldest integration event not yet confirmed by RabbitMQ (0 when none waits)',
      async collect() {
        if (!enabled) return;
        const rows = await prisma.$queryRaw<Array<{ created_at: Date }>>`
          SELECT created_at FROM platform_outbox_event WHERE amqp_published_at IS NULL ORDER BY seq LIMIT 1`.catch(
          () => null,
        );
        if (!rows) return;
        this.set(rows[0] ? Math.max(0, (Date.now() - rows[0].created_at.getTime()) / 1000) : 0);
      },
    });
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import client from 'prom-client';
import type { Env } from '../config/environment.js';
import { PrismaService, type Tx } from '../database/prisma.service.js';
import { EventConsumers, deliveryJobId, eventQueueName, type EventJob } from './event-consumers.js';
import { envelopeOf, type OutboxRow } from './integration-event.js';
import { QueueFactory, withTimeout } from './queue.factory.js';

/** Events checked per statement; a pass goes on until it finds fewer. */
const BATCH = 1_000;
/** pg_try_advisory_xact_lock key: one instance at a time checks (arbitrary but fixed). */
const REDELIVERY_LOCK = 7_270_001n;

const redelivered = new client.Counter({
  name: 'heyblue_event_redelivered_total',
  help: 'Deliveries relayed again because no handler applied them in time (jobs Redis lost)',
  labelNames: ['queue'] as const,
});

interface UnsettledRow extends OutboxRow {
  redelivered_at: Date | null;
}

/**
 * Heals the queues after Redis lost accepted jobs (a restart without persistence, a failover to
 * a replica that lagged). An event is settled once every handler subscribed to it applied it
 * (a processed row) or gave up on it (a dead letter). Events handed off longer ago than
 * OUTBOX_REDELIVERY_AFTER_S and not settled have deliveries that never happened: those are
 * relayed again under their usual job ids (a job bull still holds and will run is left alone;
 * a finished record of it is removed first), and the consumers' processed-event dedupe keeps a
 * delivery applied meanwhile from being applied twice.
 *
 * Cheap: the unsettled events are a partial index of the last few minutes' rows; one instance
 * at a time (an advisory lock) checks them every OUTBOX_REDELIVERY_EVERY_MS.
 */
@Injectable()
export class OutboxRedelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRedelivery');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly consumers: EventConsumers,
    private readonly queues: QueueFactory,
    private readonly config: ConfigService<Env, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.get('OUTBOX_RELAY_ENABLED', { infer: true })) return;
    const every = this.config.get('OUTBOX_REDELIVERY_EVERY_MS', { infer: true });
    const tick = () => {
      this.running = this.checkOnce()
        .catch((err: Error) => this.logger.warn(`redelivery check failed, will retry: ${err.message}`))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(tick, every);
        });
    };
    this.timer = setTimeout(tick, every);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One check: settles what was applied, relays again what was not. Returns how many events it
   * settled and how many deliveries it relayed again (0/0 when another instance holds the turn).
   */
  async checkOnce(): Promise<{ settled: number; redelivered: number }> {
    const total = { settled: 0, redelivered: 0 };
    let after = -1n;
    for (;;) {
      const pass = await this.prisma.$transaction(
        async (tx) => {
          const [turn] = await tx.$queryRaw<Array<{ mine: boolean }>>`
            SELECT pg_try_advisory_xact_lock(${REDELIVERY_LOCK}::bigint) AS mine`;
          if (!turn?.mine) return null;
          const afterS = this.config.get('OUTBOX_REDELIVERY_AFTER_S', { infer: true });
          const rows = await tx.$queryRaw<UnsettledRow[]>`
            SELECT seq, id::text AS id, type, version, occurred_at, created_at, payload, redelivered_at
            FROM platform_outbox_event
            WHERE settled_at IS NULL AND dispatched_at IS NOT NULL AND seq > ${after}
              AND dispatched_at < now() - make_interval(secs => ${afterS})
            ORDER BY seq LIMIT ${BATCH}`;
          if (rows.length === 0) return { rows: 0, settled: 0, last: after, missing: [] as EventJob[] };
          const expected: EventJob[] = [];
          for (const row of rows)
            for (const handlerId of this.consumers.handlersFor(row.type))
              expected.push({ handlerId, event: envelopeOf(row) });
          const done = await this.accountedFor(tx, expected);
          const missing = expected.filter((j) => !done.has(deliveryJobId(j)));
          const open = new Set(missing.map((j) => j.event.id));
          const settled = rows.filter((r) => !open.has(r.id)).map((r) => r.seq);
          if (settled.length > 0)
            await tx.$executeRaw`UPDATE platform_outbox_event SET settled_at = now() WHERE seq = ANY(${settled.map(String)}::bigint[])`;
          // Relayed again at most once per waiting period: a delivery in its retry backoff is
          // not yet lost, and its job id keeps a re-add from doubling it anyway.
          const again = new Set(
            rows
              .filter((r) => open.has(r.id))
              .filter((r) => !r.redelivered_at || Date.now() - r.redelivered_at.getTime() > afterS * 1000)
              .map((r) => r.id),
          );
          const due = missing.filter((j) => again.has(j.event.id));
          if (due.length > 0) {
            await this.relay(due);
            await tx.$executeRaw`UPDATE platform_outbox_event SET redelivered_at = now() WHERE id = ANY(${[...again]}::uuid[])`;
          }
          return {
            rows: rows.length,
            settled: settled.length,
            last: BigInt(rows[rows.length - 1]!.seq),
            missing: due,
          };
        },
        { timeout: 30_000, maxWait: 5_000 },
      );
      if (!pass) return total;
      total.settled += pass.settled;
      total.redelivered += pass.missing.length;
      if (pass.missing.length > 0)
        this.logger.warn(
          { deliveries: pass.missing.length, events: new Set(pass.missing.map((j) => j.event.id)).size },
          'deliveries that never happened relayed again (the queues lost jobs)',
        );
      if (pass.rows < BATCH) return total;
      after = pass.last;
    }
  }

  /** The deliveries of `jobs` that were applied (processed row) or given up (dead letter). */
  private async accountedFor(tx: Tx, jobs: EventJob[]): Promise<Set<string>> {
    if (jobs.length === 0) return new Set();
    const handlers = jobs.map((j) => j.handlerId);
    const events = jobs.map((j) => j.event.id);
    const rows = await tx.$queryRaw<Array<{ handler_id: string; event_id: string }>>`
      SELECT p.handler_id, p.event_id::text AS event_id
      FROM unnest(${handlers}::text[], ${events}::uuid[]) AS j(handler_id, event_id)
      JOIN platform_processed_event p ON p.handler_id = j.handler_id AND p.event_id = j.event_id
      UNION
      SELECT d.target, d.event_id::text FROM platform_dead_letter d
      WHERE d.source = 'event' AND d.event_id = ANY(${[...new Set(events)]}::uuid[])`;
    return new Set(rows.map((r) => `${r.event_id}:${r.handler_id}`));
  }

  /**
   * Adds each lost delivery again under its usual job id. A job bull still has under that id is
   * left alone while it waits, runs or backs off (it is coming); a finished or failed record of
   * it is removed first, or bull would ignore the add and the delivery would never run again.
   */
  private async relay(jobs: EventJob[]): Promise<void> {
    const byQueue = new Map<string, EventJob[]>();
    for (const j of jobs) {
      const name = eventQueueName(j.handlerId);
      byQueue.set(name, [...(byQueue.get(name) ?? []), j]);
    }
    await withTimeout(
      Promise.all(
        [...byQueue].map(async ([name, list]) => {
          const queue = this.queues.get(name);
          const due: EventJob[] = [];
          for (const data of list) {
            const job = await queue.getJob(deliveryJobId(data));
            if (job) {
              const state = await job.getState();
              if (state === 'waiting' || state === 'active' || state === 'delayed' || state === 'paused')
                continue;
              await job.remove().catch(() => undefined);
            }
            due.push(data);
          }
          if (due.length === 0) return;
          await queue.addBulk(
            due.map((data) => ({ data, opts: this.consumers.jobOptions(deliveryJobId(data)) })),
          );
          redelivered.inc({ queue: name }, due.length);
        }),
      ),
      20_000,
      'queue unavailable',
    );
  }
}

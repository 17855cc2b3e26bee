import { Injectable } from '@nestjs/common';
import client from 'prom-client';
import { PrismaService } from '../database/prisma.service.js';
import type { EventEnvelope } from './integration-event.js';
import { QueueFactory, withTimeout } from './queue.factory.js';

/**
 * Commit-to-applied lag of every applied delivery, by consumer queue: from the outbox row's
 * write (its transaction's time) to the commit of the consumer's transaction. The contract's
 * "within seconds" is this histogram's p99.
 */
export const applyLag = new client.Histogram({
  name: 'heyblue_event_apply_lag_seconds',
  help: 'Time from an event’s outbox commit to its handler’s commit, by consumer queue',
  labelNames: ['queue'] as const,
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
});

/** How many recent lags per queue this instance keeps for the admin view's percentiles. */
const RECENT = 2_000;

export interface EventQueueStatus {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Age of the oldest delivery waiting for a worker (0 when none waits). */
  oldestWaitingSeconds: number;
  /** Commit-to-applied lag of this instance's most recent deliveries (null before any). */
  recentLagMs: { p50: number; p99: number; samples: number } | null;
}

export interface EventBacklog {
  /** Outbox rows committed and not yet handed to the queues, and the age of the oldest. */
  outbox: { pending: number; oldestPendingSeconds: number };
  queues: EventQueueStatus[];
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * Consumer lag, as operators see it: per queue the backlog, the age of its oldest waiting
 * delivery and the recent commit-to-applied lag. Lag is not an outage (readiness ignores it);
 * it is exported as metrics, alerted on (deploy/prometheus) and shown to admins.
 */
@Injectable()
export class EventLag {
  private readonly recent = new Map<string, { lags: number[]; next: number }>();
  private watched: string[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueFactory,
  ) {}

  /** The consumer queues of this build (EventConsumers names them at bootstrap). */
  watch(queues: string[]): void {
    this.watched = [...new Set(queues)].sort();
  }

  /** Records the lag of deliveries applied now (after their transaction committed). */
  applied(queue: string, events: EventEnvelope[]): void {
    const now = Date.now();
    let r = this.recent.get(queue);
    if (!r) this.recent.set(queue, (r = { lags: [], next: 0 }));
    for (const e of events) {
      const lagMs = Math.max(0, now - Date.parse(e.recordedAt ?? e.occurredAt));
      applyLag.observe({ queue }, lagMs / 1000);
      if (r.lags.length < RECENT) r.lags.push(lagMs);
      else r.lags[r.next] = lagMs;
      r.next = (r.next + 1) % RECENT;
    }
  }

  /** The oldest waiting delivery's age per event queue, in seconds (bull keeps each job's enqueue time). */
  async oldestWaiting(): Promise<Map<string, number>> {
    const ages = new Map<string, number>();
    const now = Date.now();
    for (const q of this.eventQueues()) {
      const [oldest] = await withTimeout(q.getWaiting(0, 0), 2_000, 'queue unavailable');
      ages.set(q.name, oldest ? Math.max(0, (now - oldest.timestamp) / 1000) : 0);
    }
    return ages;
  }

  async outboxBacklog(): Promise<EventBacklog['outbox']> {
    const [row] = await this.prisma.$queryRaw<Array<{ pending: bigint; oldest: Date | null }>>`
      SELECT count(*) AS pending, min(created_at) AS oldest FROM platform_outbox_event WHERE dispatched_at IS NULL`;
    return {
      pending: Number(row?.pending ?? 0),
      oldestPendingSeconds: row?.oldest ? Math.max(0, (Date.now() - row.oldest.getTime()) / 1000) : 0,
    };
  }

  async backlog(): Promise<EventBacklog> {
    const ages = await this.oldestWaiting();
    const queues: EventQueueStatus[] = [];
    for (const q of this.eventQueues()) {
      const c = await withTimeout(q.getJobCounts(), 2_000, 'queue unavailable');
      const lags = [...(this.recent.get(q.name)?.lags ?? [])].sort((x, y) => x - y);
      queues.push({
        queue: q.name,
        waiting: c.waiting,
        active: c.active,
        delayed: c.delayed,
        failed: c.failed,
        oldestWaitingSeconds: Math.round((ages.get(q.name) ?? 0) * 1000) / 1000,
        recentLagMs:
          lags.length === 0
            ? null
            : { p50: percentile(lags, 50), p99: percentile(lags, 99), samples: lags.length },
      });
    }
    return { outbox: await this.outboxBacklog(), queues };
  }

  private eventQueues() {
    return this.watched.map((name) => this.queues.get(name));
  }
}

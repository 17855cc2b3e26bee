import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import { PrismaService } from '../database/prisma.service.js';
import { EventLag } from '../outbox/event-lag.js';
import { QueueFactory } from '../outbox/queue.factory.js';
import { nameServerSpan, tracingActive } from '../telemetry/spans.js';

/** One registry per process; prom-client's default registry also carries the resilience gauges. */
export const registry = client.register;

let defaultsCollected = false;

export const httpDuration = new client.Histogram({
  name: 'heyblue_http_request_duration_seconds',
  help: 'HTTP request duration by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

/** Socket.io connections currently open on this instance (maintained by the gateways). */
export const socketConnections = new client.Gauge({
  name: 'heyblue_socket_connections',
  help: 'Open socket.io connections on this instance',
  labelNames: ['namespace'] as const,
});

@Injectable()
export class MetricsService implements OnModuleInit {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueFactory,
    private readonly lag: EventLag,
  ) {}

  onModuleInit(): void {
    if (!defaultsCollected) {
      client.collectDefaultMetrics({ prefix: 'heyblue_' });
      defaultsCollected = true;
    }
    const prisma = this.prisma;
    const queues = this.queues;
    registry.removeSingleMetric('heyblue_event_queue_depth');
    registry.removeSingleMetric('heyblue_dead_letters');
    registry.removeSingleMetric('heyblue_outbox_pending');
    registry.removeSingleMetric('heyblue_event_oldest_waiting_seconds');
    registry.removeSingleMetric('heyblue_outbox_oldest_pending_seconds');
    const lag = this.lag;
    new client.Gauge({
      name: 'heyblue_event_oldest_waiting_seconds',
      help: 'Age of the oldest delivery waiting for a consumer, per event queue (0 when none waits)',
      labelNames: ['queue'] as const,
      async collect() {
        const ages = await lag.oldestWaiting().catch(() => null);
        if (!ages) return;
        this.reset();
        for (const [queue, age] of ages) this.set({ queue }, age);
      },
    });
    new client.Gauge({
      name: 'heyblue_outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox event committed but not yet handed to the queues',
      async collect() {
        const b = await lag.outboxBacklog().catch(() => null);
        if (b) this.set(b.oldestPendingSeconds);
      },
    });
    new client.Gauge({
      name: 'heyblue_event_queue_depth',
      help: 'Jobs per queue and state (waiting, active, delayed: retries in backoff and repeatable jobs)',
      labelNames: ['queue', 'state'] as const,
      async collect() {
        this.reset();
        for (const q of queues.all()) {
          const c = await q.getJobCounts().catch(() => null);
          if (!c) continue;
          this.set({ queue: q.name, state: 'waiting' }, c.waiting);
          this.set({ queue: q.name, state: 'active' }, c.active);
          this.set({ queue: q.name, state: 'delayed' }, c.delayed);
        }
      },
    });
    new client.Gauge({
      name: 'heyblue_dead_letters',
      help: 'Dead letters not yet replayed',
      async collect() {
        const n = await prisma.deadLetter.count({ where: { replayedAt: null } }).catch(() => null);
        if (n !== null) this.set(n);
      },
    });
    new client.Gauge({
      name: 'heyblue_outbox_pending',
      help: 'Outbox events committed but not yet dispatched',
      async collect() {
        const n = await prisma.outboxEvent.count({ where: { dispatchedAt: null } }).catch(() => null);
        if (n !== null) this.set(n);
      },
    });
  }

  /** Times every HTTP request by its route pattern (never the raw URL: ids would explode cardinality). */
  instrument(fastify: FastifyInstance): void {
    if (tracingActive()) {
      // The HTTP server span is named after the matched route (GET /api/v1/me), not the raw URL.
      fastify.addHook('onRequest', (request, _reply, done) => {
        nameServerSpan(request.method, request.routeOptions.url);
        done();
      });
    }
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      httpDuration.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

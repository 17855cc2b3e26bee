import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { io, type Socket } from 'socket.io-client';
import { EventConsumers, eventQueueName, PrismaService, QueueFactory } from '@heyblue/platform';
import { AppModule } from '../../apps/api/src/app.module.js';
import { LocalCluster, type ClusterOptions } from '../../apps/api/src/cluster/cluster.js';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

/** The instances' entry: the real one, with bull re-running a killed instance's jobs after ~2 s instead of 30-60 s. */
export const INSTANCE_ENTRY = 'test/scale/fixtures/instance.ts';

export interface ClusterUnderTest {
  cluster: LocalCluster;
  testEnv: TestEnv;
  /**
   * The cluster as tests see it: `url` is the proxy, `app` a Nest context on the same
   * database and Redis (no HTTP, relay, workers) for the helpers that need a facade
   * (officer roster, admin grant, Prisma reads). It serves no traffic itself.
   */
  viaProxy: TestApp;
  /** Instance i addressed directly (bypassing the proxy). */
  direct(i: number): TestApp;
  /** Every output line of every instance (for failure messages and unhandled-rejection checks). */
  lines: string[];
  close(): Promise<void>;
}

/**
 * N instances started together on a fresh database whose schema is EMPTY (so each instance's
 * start-up migration races the others'), behind the round-robin proxy.
 */
export async function startCluster(
  instances: number,
  overrides: Record<string, string> = {},
  options: Partial<ClusterOptions> = {},
): Promise<ClusterUnderTest> {
  const testEnv = await createTestEnv(overrides);
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: testEnv.databaseUrl });
  await admin.connect();
  await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await admin.end();
  const lines: string[] = [];
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({
      instances,
      env: { ...testEnv.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
      entry: INSTANCE_ENTRY,
      startTimeoutMs: 90_000,
      onLine: (i, _stream, line) => lines.push(`[${i}] ${line}`),
      ...options,
    });
  } catch (err) {
    await testEnv.drop();
    throw err;
  }
  const ctx = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      env: {
        ...testEnv.env,
        OUTBOX_RELAY_ENABLED: 'false',
        EVENT_WORKERS_ENABLED: 'false',
        ETL_WORKER_ENABLED: 'false',
      },
    }),
    { logger: false },
  );
  const app = ctx as unknown as NestFastifyApplication;
  const close = async () => {
    await ctx.close();
    await cluster.stop();
    await testEnv.drop();
  };
  return {
    cluster,
    testEnv,
    lines,
    viaProxy: { app, url: cluster.url, testEnv, close },
    direct: (i) => ({ app, url: cluster.instances[i]!.url, testEnv, close }),
    close,
  };
}

/**
 * A socket.io client on `/connections` through the proxy that reconnects by itself (as the
 * mobile app does). `marker` goes into the handshake query so the test can tell which
 * instance the proxy sent it to.
 */
export function proxiedSocket(url: string, token: string, marker: string): Socket {
  return io(`${url}/connections`, {
    path: '/socket.io',
    transports: ['websocket'],
    auth: { token },
    query: { client: marker },
    reconnection: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    forceNew: true,
  });
}

export function connected(s: Socket): Promise<Socket> {
  if (s.connected) return Promise.resolve(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => (s.io.opts.reconnection ? undefined : reject(err)));
  });
}

/**
 * "Every committed event reached every consumer": waits until the outbox is dispatched and
 * the event queues are idle, then lists each (event, subscribed handler) pair without a
 * processed-event record. Empty means nothing was lost.
 */
export async function undelivered(t: TestApp, timeoutMs = 45_000): Promise<string[]> {
  const prisma = t.app.get(PrismaService);
  const consumers = t.app.get(EventConsumers);
  const queues = t.app.get(QueueFactory);
  let missing: string[] = [];
  await eventually(
    async () => {
      const pending = await prisma.outboxEvent.count({ where: { dispatchedAt: null } });
      let busy = 0;
      for (const name of consumers.queueNames()) {
        const c = await queues.get(name).getJobCounts();
        busy += c.waiting + c.active + c.delayed;
      }
      const events = await prisma.outboxEvent.findMany({ select: { id: true, type: true } });
      const done = await prisma.processedEvent.findMany({ select: { handlerId: true, eventId: true } });
      const seen = new Set(done.map((d) => `${d.eventId}|${d.handlerId}`));
      missing = events.flatMap((e) =>
        consumers
          .handlersFor(e.type)
          .filter((h) => !seen.has(`${e.id}|${h}`))
          .map((h) => `${e.type} ${e.id} → ${h}`),
      );
      return { pending, busy, missing: missing.length };
    },
    (s) => s.pending === 0 && s.busy === 0 && s.missing === 0,
    {
      timeoutMs,
      intervalMs: 250,
      what: 'outbox dispatched, queues idle, every event processed by every subscriber',
    },
  ).catch(() => undefined);
  if (missing.length === 0) return missing;
  // Say where each missing delivery is (its bull job's state and last error), and list dead letters.
  const explained = await Promise.all(
    missing.map(async (m) => {
      const [, eventId, handlerId] = /^\S+ (\S+) → (\S+)$/.exec(m) ?? [];
      const job =
        eventId && handlerId
          ? await queues.get(eventQueueName(handlerId)).getJob(`${eventId}:${handlerId}`)
          : null;
      return `${m} [job ${job ? `${await job.getState()}, attempts ${job.attemptsMade}${job.failedReason ? `, ${job.failedReason}` : ''}` : 'not found'}]`;
    }),
  );
  const dead = await prisma.deadLetter.findMany({
    where: { replayedAt: null },
    select: { target: true, eventId: true, error: true },
  });
  return [
    ...explained,
    ...dead.map((d) => `dead letter ${d.eventId} → ${d.target}: ${d.error.split('\n')[0]}`),
  ];
}

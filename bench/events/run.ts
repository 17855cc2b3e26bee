// bench:events — a sustained mixed event stream through the real outbox, relay and consumers
// (two API instances of the built server), against one plain sequential loop applying the
// same kind of events one delivery at a time (issue #27). Phases, on one fresh database:
//   1. baseline: a backlog of N operations' events (no consumers running) applied by a loop in
//      this process: outbox rows in order, each subscribed handler in its own transaction,
//      until no row is left (the events handlers publish, e.g. PointsEarned, included);
//   2. capacity: two instances start; their queues are paused, a backlog of N more operations
//      is relayed into them, the queues resume and the drain is timed (deliveries/s);
//   3. sustained: the stream at --rate operations/s for --duration seconds (default 180);
//      commit-to-applied lag of its deliveries, deadlocks, and the drain after the load stops.
// Flags: --rate <ops/s> (default 100, about 200 events/s), --duration <s>, --backlog <ops>.
import { parseArgs } from 'node:util';
import { EventConsumers, PrismaService, QueueFactory } from '@heyblue/platform';
import { createApp } from '../../apps/api/src/bootstrap.js';
import { MixedEventStream, runStream, seeded } from '../../test/support/event-stream.js';
import {
  benchEnvironment,
  createBenchDatabase,
  dropRedisPrefix,
  printResult,
  startApi,
  type ApiProcess,
} from '../support/harness.js';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '180' },
    backlog: { type: 'string', default: '1500' },
  },
});
const RATE = Number(flags.rate);
const DURATION_S = Number(flags.duration);
const BACKLOG = Number(flags.backlog);
const log = (line: string) => process.stderr.write(`[bench:events] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const db = await createBenchDatabase();
const { prefix, env } = benchEnvironment(db, { OUTBOX_POLL_MS: '250' });
const apis: ApiProcess[] = [];
// This process publishes (and, in phase 1, applies): no workers, no relay of its own.
const producer = await createApp({
  env: {
    ...env,
    EVENT_WORKERS_ENABLED: 'false',
    OUTBOX_RELAY_ENABLED: 'false',
    PORT: '0',
    LOG_LEVEL: 'warn',
  },
});
await producer.init();
const prisma = producer.get(PrismaService);
const consumers = producer.get(EventConsumers);
const queues = producer.get(QueueFactory);

const count = async (sql: TemplateStringsArray, ...v: unknown[]) =>
  Number((await prisma.$queryRaw<Array<{ n: bigint }>>(sql, ...v))[0]!.n);
const deadlocks = () => count`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`;
const applied = () => count`SELECT count(*) AS n FROM platform_processed_event`;

try {
  const stream = new MixedEventStream(producer, { officers: 300, citizens: 3000 });
  await stream.prepare();
  const deadlocksAtStart = await deadlocks();

  // ── 1. baseline: one plain sequential loop ───────────────────────────────────────────
  log(`baseline: ${BACKLOG} operations' events applied one delivery at a time`);
  await runStream(stream, BACKLOG, 16, seeded(1));
  const baseStart = performance.now();
  let baseDeliveries = 0;
  for (;;) {
    const rows = await prisma.$queryRaw<
      Array<{ seq: bigint; id: string; type: string; version: number; occurred_at: Date; payload: object }>
    >`SELECT seq, id::text AS id, type, version, occurred_at, payload FROM platform_outbox_event
      WHERE dispatched_at IS NULL ORDER BY seq LIMIT 500`;
    if (rows.length === 0) break;
    for (const row of rows) {
      const event = {
        id: row.id,
        type: row.type,
        version: row.version,
        occurredAt: row.occurred_at.toISOString(),
        payload: row.payload as Record<string, unknown>,
      };
      for (const handlerId of consumers.handlersFor(row.type))
        if (await consumers.applyOne({ handlerId, event })) baseDeliveries += 1;
      await prisma.$executeRaw`UPDATE platform_outbox_event SET dispatched_at = now(), settled_at = now() WHERE seq = ${row.seq}`;
    }
  }
  const baseS = (performance.now() - baseStart) / 1000;
  const baselinePerS = baseDeliveries / baseS;
  log(`baseline: ${baseDeliveries} deliveries in ${baseS.toFixed(1)} s = ${baselinePerS.toFixed(0)}/s`);

  // ── 2. capacity: a backlog drained by two instances ─────────────────────────────────
  for (const port of [3311, 3312]) apis.push(await startApi(env, port));
  const names = consumers.queueNames();
  const depth = async () => {
    let n = 0;
    for (const name of names) {
      const c = await queues.get(name).getJobCounts();
      n += c.waiting + c.active + c.delayed;
    }
    return n + (await count`SELECT count(*) AS n FROM platform_outbox_event WHERE dispatched_at IS NULL`);
  };
  const drain = async (limitS: number): Promise<number> => {
    const t0 = performance.now();
    while ((await depth()) > 0) {
      if (performance.now() - t0 > limitS * 1000) return Number.POSITIVE_INFINITY;
      await sleep(100);
    }
    return (performance.now() - t0) / 1000;
  };
  for (const name of names) await queues.get(name).pause(false);
  log(`capacity: ${BACKLOG} operations relayed into paused queues`);
  await runStream(stream, BACKLOG, 16, seeded(2));
  while ((await count`SELECT count(*) AS n FROM platform_outbox_event WHERE dispatched_at IS NULL`) > 0)
    await sleep(100);
  const before = await applied();
  const perQueueBefore = await prisma.$queryRaw<Array<{ ctx: string; n: bigint }>>`
    SELECT split_part(handler_id, '.', 1) AS ctx, count(*) AS n FROM platform_processed_event GROUP BY 1`;
  const capStart = performance.now();
  for (const name of names) await queues.get(name).resume(false);
  const capDrainS = await drain(600);
  const capS = (performance.now() - capStart) / 1000;
  const capDeliveries = (await applied()) - before;
  const capacityPerS = capDeliveries / capS;
  const perQueue = await prisma.$queryRaw<Array<{ ctx: string; n: bigint }>>`
    SELECT split_part(handler_id, '.', 1) AS ctx, count(*) AS n FROM platform_processed_event GROUP BY 1`;
  const perQueueFigures = Object.fromEntries(
    perQueue.map((r) => [
      `events_per_s_${r.ctx}`,
      (Number(r.n) - Number(perQueueBefore.find((b) => b.ctx === r.ctx)?.n ?? 0)) / capS,
    ]),
  );
  log(
    `capacity: ${capDeliveries} deliveries in ${capS.toFixed(1)} s = ${capacityPerS.toFixed(0)}/s (drain ${capDrainS})`,
  );

  // ── 3. sustained load ───────────────────────────────────────────────────────────────
  log(`sustained: ${RATE} operations/s for ${DURATION_S} s`);
  const [{ now: sustainedFrom }] = await prisma.$queryRaw<Array<{ now: Date }>>`SELECT now()`;
  const eventsBefore = await count`SELECT count(*) AS n FROM platform_outbox_event`;
  const loadStart = performance.now();
  let started = 0;
  let inFlight = 0;
  const random = seeded(3);
  const failures: string[] = [];
  while (performance.now() - loadStart < DURATION_S * 1000) {
    const due = Math.floor(((performance.now() - loadStart) / 1000) * RATE);
    while (started < due && inFlight < 64) {
      started += 1;
      inFlight += 1;
      void stream
        .step(random)
        .catch((err: Error) => failures.push(err.message))
        .finally(() => (inFlight -= 1));
    }
    await sleep(10);
  }
  while (inFlight > 0) await sleep(10);
  const loadS = (performance.now() - loadStart) / 1000;
  const drainS = await drain(120);
  const sustainedEvents = (await count`SELECT count(*) AS n FROM platform_outbox_event`) - eventsBefore;
  // processed_at is the consumer transaction's start (now()), created_at the outbox row's.
  const [lag] = await prisma.$queryRaw<Array<{ p50: number; p99: number; n: bigint }>>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, count(*) AS n
    FROM (SELECT extract(epoch FROM p.processed_at - o.created_at) * 1000 AS ms
          FROM platform_outbox_event o JOIN platform_processed_event p ON p.event_id = o.id
          WHERE o.created_at >= ${sustainedFrom}) x`;
  // Per consuming context: which queue falls behind.
  const lagByQueue = await prisma.$queryRaw<Array<{ ctx: string; p99: number; n: bigint }>>`
    SELECT split_part(p.handler_id, '.', 1) AS ctx,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM p.processed_at - o.created_at) * 1000) AS p99,
           count(*) AS n
    FROM platform_outbox_event o JOIN platform_processed_event p ON p.event_id = o.id
    WHERE o.created_at >= ${sustainedFrom} GROUP BY 1 ORDER BY 1`;
  for (const q of lagByQueue)
    log(`sustained: ${q.ctx}: ${Number(q.n)} deliveries, lag p99 ${Number(q.p99).toFixed(0)} ms`);
  const deadlockCount = (await deadlocks()) - deadlocksAtStart;
  const offLedger = await count`
    SELECT count(*) AS n FROM profile_profile p
    LEFT JOIN LATERAL (SELECT balance_after FROM rewards_ledger_entry e WHERE e.account_id = p.id ORDER BY seq DESC LIMIT 1) l ON true
    WHERE p.points_balance <> coalesce(l.balance_after, 0)`;
  log(
    `sustained: ${sustainedEvents} events (${(sustainedEvents / loadS).toFixed(0)}/s), ${Number(lag!.n)} deliveries; lag p50 ${Number(lag!.p50).toFixed(0)} ms p99 ${Number(lag!.p99).toFixed(0)} ms; drain ${drainS.toFixed(2)} s; deadlocks ${deadlockCount}; profiles off the ledger ${offLedger}; failed operations ${failures.length}${failures.length ? ` (${failures[0]})` : ''}`,
  );

  printResult(
    'events',
    {
      events_per_s: capacityPerS,
      ...perQueueFigures,
      sustained_events_per_s: sustainedEvents / loadS,
      sustained_deliveries: Number(lag!.n),
      lag_p50_ms: Number(lag!.p50),
      lag_p99_ms: Number(lag!.p99),
      ...Object.fromEntries(lagByQueue.map((q) => [`lag_p99_ms_${q.ctx}`, Number(q.p99)])),
      deadlocks: deadlockCount,
      drain_s: drainS,
      profiles_off_ledger: offLedger,
      failed_operations: failures.length,
    },
    { events_per_s: baselinePerS },
    { events_per_s: capacityPerS / baselinePerS },
  );
} finally {
  for (const api of apis) await api.stop();
  await producer.close();
  await db.drop();
  await dropRedisPrefix(prefix);
}

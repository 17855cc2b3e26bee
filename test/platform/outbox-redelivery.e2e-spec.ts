import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { OutboxRedelivery, OutboxService, PrismaService } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { startTestApp, type TestApp } from '../support/app.js';
import { MixedEventStream, runStream, seeded } from '../support/event-stream.js';
import { eventually } from '../support/poll.js';
import { REDIS_URL } from '../support/databases.js';
import { connectionEvent } from '../rewards/rewards-fixtures.js';

/**
 * Redis restarted without persistence (or a failover to a replica that lagged) loses jobs the
 * relay already handed over: the outbox rows are marked dispatched, the deliveries are gone.
 * The platform notices the events no handler settled in time and relays them again (issue #27).
 */
describe('outbox redelivery after Redis lost the queues (two instances, real PostgreSQL and Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let prisma: PrismaService;
  let redis: Redis;

  /** Deletes every key of the event queues: waiting, active, delayed lists and the jobs themselves. */
  const loseQueues = async (): Promise<number> => {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${a.testEnv.redisPrefix}*events.*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) n += await redis.del(...keys);
    } while (cursor !== '0');
    return n;
  };

  beforeAll(async () => {
    const env = { OUTBOX_REDELIVERY_AFTER_S: '2', OUTBOX_REDELIVERY_EVERY_MS: '500' };
    a = await startTestApp(env);
    b = await startTestApp(env, a.testEnv);
    prisma = a.app.get(PrismaService);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await b?.close();
    await a?.close();
  });

  it('relays again every delivery the queues lost, and every projection converges with nothing applied twice', async () => {
    const stream = new MixedEventStream(a.app, { officers: 20, citizens: 80 });
    await stream.prepare();
    const random = seeded(2027);
    let lost = 0;
    // Under load: the queues are wiped twice while events keep coming.
    const load = runStream(stream, 900, 8, random);
    for (const at of [1_500, 4_000]) {
      await new Promise((r) => setTimeout(r, at === 1_500 ? at : at - 1_500));
      lost += await loseQueues();
    }
    await load;
    await stream.finish();
    expect(lost).toBeGreaterThan(0);

    // Every event ends settled: each subscribed handler applied it (nothing was dead-lettered).
    await eventually(
      () => prisma.outboxEvent.count({ where: { OR: [{ dispatchedAt: null }, { settledAt: null }] } }),
      (open) => open === 0,
      { timeoutMs: 120_000, intervalMs: 250, what: 'every outbox event settled' },
    );
    expect(await prisma.deadLetter.count()).toBe(0);
    const redeliveredRows = await prisma.outboxEvent.count({ where: { redeliveredAt: { not: null } } });
    expect(redeliveredRows).toBeGreaterThan(0);

    // Nothing applied twice, nothing missing: projections equal their sources.
    const rewards = a.app.get(RewardsApi);
    const profiles = new Map(
      (await prisma.profile.findMany({ where: { id: { in: stream.accountIds() } } })).map((p) => [p.id, p]),
    );
    const off: string[] = [];
    for (const e of stream.expectedProfiles()) {
      const p = profiles.get(e.id);
      const want = { connectionsCount: e.connectionsCount, pointsBalance: await rewards.getBalance(e.id) };
      const got = p && { connectionsCount: p.connectionsCount, pointsBalance: p.pointsBalance };
      if (JSON.stringify(got) !== JSON.stringify(want))
        off.push(`${e.id}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
    expect(off).toEqual([]);
    expect(await prisma.rewardsLedgerEntry.count({ where: { reason: 'connection' } })).toBe(
      2 * stream.counts.connections,
    );
    expect(await prisma.reportingFact.count({ where: { metric: 'connections' } })).toBe(
      stream.counts.connections,
    );
    expect(await prisma.reportingFact.count({ where: { metric: 'users' } })).toBe(
      stream.counts.accountsCreated,
    );
  }, 300_000);

  it('checks on one instance at a time: while another session holds the turn nothing is relayed, then the lost delivery is', async () => {
    const holder = new pg.Client({ connectionString: a.testEnv.databaseUrl });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7270001)');
      // An event the relay handed over ten seconds ago whose jobs Redis no longer has.
      const [officerId, citizenId] = [randomUUID(), randomUUID()];
      const event = connectionEvent({ citizenId, officerId });
      await prisma.$transaction(async (tx) => {
        await a.app.get(OutboxService).publish(tx, event);
        await tx.$executeRaw`UPDATE platform_outbox_event SET dispatched_at = now() - interval '10 seconds' WHERE id = ${event.id}::uuid`;
      });
      expect(await a.app.get(OutboxRedelivery).checkOnce()).toEqual({ settled: 0, redelivered: 0 });
      await new Promise((r) => setTimeout(r, 1_500)); // three periodic checks on each instance
      const row = await prisma.outboxEvent.findUnique({ where: { id: event.id } });
      expect(row).toMatchObject({ settledAt: null, redeliveredAt: null });

      await holder.query('SELECT pg_advisory_unlock(7270001)');
      await eventually(
        () =>
          prisma.outboxEvent.findUnique({
            where: { id: event.id },
            select: { settledAt: true, redeliveredAt: true },
          }),
        (r) => r?.settledAt != null && r.redeliveredAt != null,
        { timeoutMs: 30_000, what: 'the lost event relayed again and settled' },
      );
      expect(await a.app.get(RewardsApi).getBalance(citizenId)).toBeGreaterThan(0);
      expect(await prisma.profile.findUnique({ where: { id: citizenId } })).toMatchObject({
        connectionsCount: 1,
      });
    } finally {
      await holder.end();
    }
  });
});

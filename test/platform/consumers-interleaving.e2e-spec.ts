import { PrismaService } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { startTestApp, type TestApp } from '../support/app.js';
import { MixedEventStream, runStream, seeded } from '../support/event-stream.js';
import { drained } from '../rewards/rewards-fixtures.js';
import { api, given } from '../support/given.js';

/**
 * The consumers under a realistic interleaving: hundreds of accounts, every event type the
 * projections follow, two instances each running every consumer queue with its batch jobs.
 * Before the fix the batched balance upsert and the per-account row locks of other event types
 * met in opposite orders and PostgreSQL killed one transaction of the pair (issue #27).
 */
describe('event consumers under a mixed interleaving (two instances, real PostgreSQL and Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let prisma: PrismaService;

  const deadlocks = async (): Promise<number> => {
    const [row] = await prisma.$queryRaw<Array<{ deadlocks: bigint }>>`
      SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`;
    return Number(row?.deadlocks ?? 0);
  };

  beforeAll(async () => {
    // A small coalescing window and several consumers at once per queue on each instance:
    // batches of mixed event types meet on the same accounts, as under a city's load.
    a = await startTestApp({ EVENT_BACKOFF_MS: '20' });
    b = await startTestApp({ EVENT_BACKOFF_MS: '20' }, a.testEnv);
    prisma = a.app.get(PrismaService);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('applies every event exactly once without a deadlock, and every projection equals its source', async () => {
    const stream = new MixedEventStream(a.app, { officers: 50, citizens: 200 });
    await stream.prepare();
    const before = await deadlocks();

    await runStream(stream, 1_600, 12, seeded(27));
    await stream.finish();
    // Bounded: a backlog that does not drain is the failure, not a slow machine.
    await drained(a, 120_000);
    await drained(b, 120_000);
    // pg_stat counters are flushed by each backend within a second of its transaction.
    await new Promise((r) => setTimeout(r, 1_500));

    expect(await deadlocks()).toBe(before);
    expect(await prisma.deadLetter.count()).toBe(0);

    // Profile: the balance is the ledger's, counts and trophies follow from what happened.
    const rewards = a.app.get(RewardsApi);
    const expected = stream.expectedProfiles();
    const profiles = new Map(
      (await prisma.profile.findMany({ where: { id: { in: stream.accountIds() } } })).map((p) => [p.id, p]),
    );
    const trophies = await prisma.profileTrophy.findMany({
      where: { accountId: { in: stream.accountIds() } },
    });
    const held = (id: string) =>
      trophies
        .filter((t) => t.accountId === id)
        .map((t) => t.code)
        .sort();
    const off: string[] = [];
    for (const e of expected) {
      const p = profiles.get(e.id);
      const balance = await rewards.getBalance(e.id);
      const got = p && {
        role: p.role,
        connectionsCount: p.connectionsCount,
        pointsBalance: p.pointsBalance,
        trophies: held(e.id),
      };
      const want = {
        role: e.role,
        connectionsCount: e.connectionsCount,
        pointsBalance: balance,
        trophies: e.trophies,
      };
      if (JSON.stringify(got) !== JSON.stringify(want))
        off.push(`${e.id}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
    expect(off).toEqual([]);

    // Rewards: one earning per side of every connection, once.
    const earnings = await prisma.rewardsLedgerEntry.count({ where: { reason: 'connection' } });
    expect(earnings).toBe(2 * stream.counts.connections);

    // Reporting: one fact per event and metric.
    const facts = async (metric: string) => prisma.reportingFact.count({ where: { metric } });
    expect(await facts('users')).toBe(stream.counts.accountsCreated);
    expect(await facts('connections')).toBe(stream.counts.connections);
    expect(await facts('points_issued')).toBe(earnings);
    expect(await facts('points_redeemed')).toBe(stream.counts.redemptions);
    expect(await facts('points_donated')).toBe(stream.counts.donations);
    expect(stream.counts.redemptions).toBeGreaterThan(0);
    expect(stream.counts.donations).toBeGreaterThan(0);
    expect(stream.counts.roleChanges).toBeGreaterThan(0);
  }, 300_000);

  it('shows the lag: metrics per consumer queue, and GET /admin/events/queues for admins only', async () => {
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/heyblue_event_apply_lag_seconds_count\{queue="events\.profile"\} [1-9]/);
    expect(metrics).toMatch(/heyblue_event_oldest_waiting_seconds\{queue="events\.profile"\} 0/);
    expect(metrics).toMatch(/heyblue_outbox_oldest_pending_seconds \d/);

    const admin = await given.admin(a);
    const res = await api(a, 'GET', '/admin/events/queues', { token: admin.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.outbox).toEqual({ pending: 0, oldestPendingSeconds: 0 });
    const names = (res.body.queues as Array<{ queue: string }>).map((q) => q.queue);
    expect(names).toEqual(expect.arrayContaining(['events.profile', 'events.reporting', 'events.rewards']));
    const profile = (res.body.queues as Array<Record<string, unknown>>).find(
      (q) => q.queue === 'events.profile',
    );
    expect(profile).toMatchObject({ waiting: 0, active: 0, delayed: 0, oldestWaitingSeconds: 0 });
    expect(profile!.recentLagMs).toMatchObject({ samples: expect.any(Number), p50: expect.any(Number) });

    const citizen = await given.citizen(a);
    expect((await api(a, 'GET', '/admin/events/queues', { token: citizen.accessToken })).status).toBe(403);
    expect((await api(a, 'GET', '/admin/events/queues')).status).toBe(401);
  });
});

import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { EventConsumers, PrismaService, RedisService } from '@heyblue/platform';
import { connect, offset, traffic } from '../connections/socket-client.js';
import { earn, givenOffer, ledgerBalance } from '../rewards/rewards-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { startRedisCluster, type LocalRedisCluster } from '../support/redis-cluster.js';

/**
 * A Redis Cluster master dies (SIGKILL) under location traffic and redemptions; its replica takes
 * over after the cluster's node timeout. The app keeps answering — brief TEMPORARILY_UNAVAILABLE
 * acks and 503s are allowed, hangs and 500s are not — nothing committed is lost, and no event is
 * applied twice in effect (jobs the dead master had acknowledged but not replicated are relayed
 * again by the outbox redelivery). The suite starts its own cluster: it kills one of its nodes.
 */
describe('Redis Cluster failover under location traffic and redemptions', () => {
  let cluster: LocalRedisCluster;
  let t: TestApp;
  let officer: SignedIn;
  let citizen: SignedIn;
  const sockets: Socket[] = [];
  const spot = { lat: 41.8781, lng: -87.6298 };

  beforeAll(async () => {
    cluster = await startRedisCluster({
      basePort: Number(process.env.TEST_REDIS_FAILOVER_BASE_PORT ?? 7720),
      nodeTimeoutMs: 2_000,
    });
    t = await startTestApp({
      REDIS_CLUSTER_NODES: cluster.nodes,
      OUTBOX_REDELIVERY_AFTER_S: '5',
      OUTBOX_REDELIVERY_EVERY_MS: '1000',
      CONNECTIONS_LOCATION_RATE_PER_S: '5',
    });
    [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
  }, 120_000);
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t?.close();
    cluster?.stop();
  });

  it('keeps answering while a master fails over; every committed redemption stays, every event is applied once', async () => {
    const prisma = t.app.get(PrismaService);
    const startedAt = new Date();
    expect(
      (
        await api(t, 'POST', '/connections/availability', {
          token: officer.accessToken,
          body: { ...spot, zip: '60602' },
        })
      ).status,
    ).toBe(201);
    await earn(t, citizen.accountId, 10);
    const start = await ledgerBalance(t, citizen.accountId);
    const { offerId } = await givenOffer(t, { pointsCost: 1 });

    const officerSocket = await connect(t, officer.accessToken);
    const citizenSocket = await connect(t, citizen.accessToken);
    sockets.push(officerSocket, citizenSocket);
    const officerTraffic = traffic(officerSocket, offset(spot, 5, 5));
    const citizenTraffic = traffic(citizenSocket, offset(spot, -30, 10));

    const answers: Array<{ at: number; status: number; code?: string; voucherCode?: string }> = [];
    let running = true;
    const redeemer = (async () => {
      while (running) {
        const res = await api(t, 'POST', '/rewards/redemptions', {
          token: citizen.accessToken,
          body: { offerId },
          headers: { 'idempotency-key': randomUUID() },
        });
        answers.push({
          at: Date.now(),
          status: res.status,
          code: res.body?.code,
          voucherCode: res.body?.voucher?.code,
        });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    try {
      await eventually(
        () => answers.filter((a) => a.status === 201).length,
        (n) => n >= 3,
        { what: 'redemptions before the failover' },
      );
      // The master of the Profile queue's slot: consumers, the relay and the redelivery all meet it.
      const queueKey = `${t.app.get(RedisService).queuePrefix('events.profile')}:events.profile:id`;
      const victim = cluster.masterOf(queueKey);
      const killedAt = Date.now();
      cluster.kill(victim);
      const survivor = cluster.ports.find((p) => p !== victim)!;
      await eventually(() => cluster.healthy(survivor) && !cluster.masters().includes(victim), Boolean, {
        timeoutMs: 30_000,
        what: 'a replica promoted (cluster_state:ok again)',
      });
      const promotedAt = Date.now();
      // The app answers again on the new topology: acks with the officer nearby and redemptions.
      await eventually(
        () => citizenTraffic.since(promotedAt).filter((a) => a.ack !== 'no answer' && a.ack.ok).length,
        (n) => n >= 3,
        { timeoutMs: 30_000, what: 'location acks after the failover' },
      );
      await eventually(
        () => answers.filter((a) => a.at > promotedAt && a.status === 201).length,
        (n) => n >= 3,
        { timeoutMs: 30_000, what: 'redemptions after the failover' },
      );
      expect(killedAt).toBeLessThan(promotedAt);
    } finally {
      running = false;
      await redeemer;
      await officerTraffic.stop();
      await citizenTraffic.stop();
    }

    // Every answer was an answer: success, or the documented brief refusal (never a hang or a 500).
    for (const tr of [officerTraffic, citizenTraffic])
      for (const { ack } of tr.acks)
        expect(ack === 'no answer' || ack.ok || ack.code === 'TEMPORARILY_UNAVAILABLE').toBe(true);
    const unanswered = [officerTraffic, citizenTraffic].flatMap((tr) =>
      tr.acks.filter((a) => a.ack === 'no answer'),
    );
    expect(unanswered).toEqual([]);
    for (const a of answers)
      expect({ status: a.status, code: a.code }).toEqual(
        a.status === 201
          ? { status: 201, code: undefined }
          : { status: 503, code: 'TEMPORARILY_UNAVAILABLE' },
      );

    // Nothing committed is lost: every voucher a 201 named exists, the ledger agrees with them.
    const issued = answers.filter((a) => a.status === 201).map((a) => a.voucherCode!);
    expect(await prisma.rewardsVoucher.count({ where: { code: { in: issued } } })).toBe(issued.length);
    const redemptions = await prisma.rewardsLedgerEntry.count({
      where: { accountId: citizen.accountId, reason: 'redemption' },
    });
    expect(redemptions).toBeGreaterThanOrEqual(issued.length);
    expect(await ledgerBalance(t, citizen.accountId)).toBe(start - redemptions);

    // Every event since the start reaches every handler subscribed to it, exactly once in effect.
    const consumers = t.app.get(EventConsumers);
    await eventually(
      async () => {
        const events = await prisma.outboxEvent.findMany({
          where: { createdAt: { gte: startedAt } },
          select: { id: true, type: true },
        });
        const processed = await prisma.processedEvent.findMany({
          where: { eventId: { in: events.map((e) => e.id) } },
          select: { eventId: true, handlerId: true },
        });
        const got = new Set(processed.map((p) => `${p.eventId}:${p.handlerId}`));
        return events.flatMap((e) =>
          consumers
            .handlersFor(e.type)
            .filter((h) => !got.has(`${e.id}:${h}`))
            .map((h) => `${e.type} ${h}`),
        );
      },
      (missing) => missing.length === 0,
      { timeoutMs: 60_000, what: 'every delivery applied (lost jobs relayed again)' },
    );
    // In effect once: the projections equal their sources.
    await eventually(
      () => prisma.profile.findUnique({ where: { id: citizen.accountId } }),
      (p) => p?.pointsBalance === start - redemptions,
      { what: 'the profile balance equals the ledger' },
    );
    const redeemedFacts = await prisma.reportingFact.count({ where: { metric: 'points_redeemed' } });
    expect(redeemedFacts).toBe(redemptions);
  }, 240_000);
});

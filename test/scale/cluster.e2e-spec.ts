import { readdirSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import { PrismaService, QueueFactory } from '@heyblue/platform';
import { ROLLUP_QUEUE } from '../../libs/reporting/src/infrastructure/rollups.js';
import { Inbox, offset, sendLocation } from '../connections/socket-client.js';
import { csv, finished, upload } from '../etl/etl-support.js';
import { connectionEvent, publish } from '../rewards/rewards-fixtures.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import {
  connected,
  proxiedSocket,
  startCluster,
  undelivered,
  type ClusterUnderTest,
} from './cluster-support.js';

const SYNTHETIC_CONNECTIONS = 20;
const ETL_ROWS = 300;

describe('cluster: three instances behind the round-robin proxy, one SIGKILLed mid-flow', () => {
  let c: ClusterUnderTest;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    c = await startCluster(3, {
      CONNECTIONS_SWEEP_INTERVAL_MS: '200',
      ETL_BATCH_SIZE: '10',
      ETL_BATCH_PAUSE_MS: '40',
      REPORTING_ROLLUP_EVERY_MS: '1000',
      // Consumer retries span seconds (500 ms doubling), as in production (1 s), not the 50 ms of other suites.
      EVENT_BACKOFF_MS: '500',
    });
  }, 240_000);
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await c?.close();
  });

  it('ran each migration once although all instances started together on an empty database', async () => {
    const migrations = readdirSync('prisma/migrations', { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    const prisma = c.viaProxy.app.get(PrismaService);
    const rows = await prisma.$queryRaw<Array<{ migration_name: string; n: bigint; finished: bigint }>>`
      SELECT migration_name, count(*) AS n, count(finished_at) AS finished FROM "_prisma_migrations" GROUP BY migration_name ORDER BY migration_name`;
    expect(rows.map((r) => r.migration_name)).toEqual(migrations);
    expect(rows.every((r) => Number(r.n) === 1 && Number(r.finished) === 1)).toBe(true);
    // Each instance reported what it did: together they applied every migration exactly once.
    const applied = c.lines
      .map((l) => /migrations: (\d+) applied/.exec(l)?.[1])
      .filter(Boolean)
      .map(Number);
    expect(applied).toHaveLength(3);
    expect(applied.reduce((a, b) => a + b, 0)).toBe(migrations.length);
  });

  it('carries the connection flow across instances through a SIGKILL, and every event reaches every consumer exactly once', async () => {
    const { cluster, viaProxy } = c;
    const officer = await given.officer(viaProxy);
    const citizen = await given.citizen(viaProxy);
    const admin = await given.admin(viaProxy);
    const spot = { lat: 40.7128, lng: -74.006 };
    expect(
      (
        await api(viaProxy, 'POST', '/connections/availability', {
          token: officer.accessToken,
          body: { ...spot, zip: '10007' },
        })
      ).status,
    ).toBe(201);

    // Consecutive websocket upgrades go to consecutive instances.
    const officerSocket = proxiedSocket(viaProxy.url, officer.accessToken, `officer-${officer.accountId}`);
    sockets.push(officerSocket);
    await connected(officerSocket);
    const citizenSocket = proxiedSocket(viaProxy.url, citizen.accessToken, `citizen-${citizen.accountId}`);
    sockets.push(citizenSocket);
    await connected(citizenSocket);
    const officerAt = cluster.instanceOfUpgrade(`officer-${officer.accountId}`)!;
    const citizenAt = cluster.instanceOfUpgrade(`citizen-${citizen.accountId}`)!;
    expect(officerAt).not.toBe(citizenAt);
    const etlAt = [0, 1, 2].find((i) => i !== officerAt && i !== citizenAt)!;
    const officerInbox = new Inbox(officerSocket);
    const citizenInbox = new Inbox(citizenSocket);

    const here = offset(spot, -40, 10);
    expect((await sendLocation(citizenSocket, here)).ok).toBe(true);
    expect(await sendLocation(officerSocket, offset(spot, 5, 5))).toEqual({ ok: true });
    await eventually(
      () => citizenInbox.of('officers.nearby'),
      (l) => l.some((p) => p.nearby.some((n: { officerId: string }) => n.officerId === officer.accountId)),
      {
        what: 'officers.nearby from the officer instance to the citizen instance',
      },
    );
    const req = await api(viaProxy, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    await eventually(
      () => officerInbox.of('connection.requested'),
      (l) => l.some((p) => p.requestId === req.body.requestId),
      { what: 'connection.requested' },
    );

    // ETL on the third instance, and a burst of integration events for every consumer, then the officer's instance dies.
    const rows = Array.from({ length: ETL_ROWS }, (_, i) => [
      `cl-${i}`,
      `Cluster shop ${i}`,
      'https://s.example.com',
      `c${i}@s.example`,
      '10007',
    ]);
    const up = await upload(c.direct(etlAt), admin.accessToken, {
      kind: 'retailers',
      content: csv([['external_id', 'name', 'website', 'contact_email', 'zip'], ...rows]),
    });
    expect(up.status).toBe(202);
    await publish(
      viaProxy,
      ...Array.from({ length: SYNTHETIC_CONNECTIONS }, () =>
        connectionEvent({ citizenId: citizen.accountId, officerId: officer.accountId, zip: '10007' }),
      ),
    );
    const prisma = viaProxy.app.get(PrismaService);
    await eventually(
      () => prisma.rewardsLedgerEntry.count({ where: { reason: 'connection' } }),
      (n) => n > 0,
      { timeoutMs: 60_000, intervalMs: 10, what: 'consumers at work' },
    );
    const reconnected = new Promise<void>((resolve) => officerSocket.io.once('reconnect', () => resolve()));
    await cluster.kill(officerAt);

    // The officer's app reconnects through the proxy to a survivor and carries on.
    await reconnected;
    expect(cluster.instanceOfUpgrade(`officer-${officer.accountId}`)).not.toBe(officerAt);
    await eventually(
      () => sendLocation(officerSocket, offset(spot, 6, 5)),
      (a) => a.ok === true,
      { what: 'location ack after reconnecting' },
    );
    const accepted = await eventually(
      () =>
        api(viaProxy, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
          token: officer.accessToken,
        }),
      (r) => r.status === 200,
      { what: 'accept through the proxy' },
    );
    const connectionId = accepted.body.connection.id as string;
    await eventually(
      () => citizenInbox.of('connection.accepted'),
      (l) => l.some((p) => p.connection?.id === connectionId),
      { what: 'connection.accepted on the citizen instance' },
    );
    await eventually(
      () => officerInbox.of('points.awarded'),
      (l) => l.length > 0,
      { what: 'points.awarded to the reconnected officer' },
    );

    // The killed instance restarts (as its pod would) and rejoins the proxy.
    await cluster.spawn(officerAt);
    const job = await finished(viaProxy, admin.accessToken, up.body.jobId);
    expect(job).toMatchObject({ status: 'done', rowsTotal: ETL_ROWS, rowsOk: ETL_ROWS, rowsFailed: 0 });
    expect(await prisma.rewardsRetailer.count({ where: { externalId: { startsWith: 'cl-' } } })).toBe(
      ETL_ROWS,
    );

    // Nothing lost, nothing doubled.
    expect(await undelivered(viaProxy)).toEqual([]);
    const connections = SYNTHETIC_CONNECTIONS + 1;
    for (const who of [citizen, officer]) {
      const entries = await prisma.rewardsLedgerEntry.findMany({
        where: { accountId: who.accountId, reason: 'connection' },
      });
      expect(entries).toHaveLength(connections);
      expect(new Set(entries.map((e) => e.reference)).size).toBe(connections);
      const ledger = entries.reduce((sum, e) => sum + e.delta, 0);
      const account = await prisma.rewardsAccount.findUniqueOrThrow({ where: { accountId: who.accountId } });
      expect(account.balance).toBe(ledger);
      const profile = await prisma.profile.findUniqueOrThrow({ where: { id: who.accountId } });
      expect({ balance: profile.pointsBalance, connections: profile.connectionsCount }).toEqual({
        balance: ledger,
        connections,
      });
    }
    expect(await prisma.reportingFact.count({ where: { metric: 'connections' } })).toBe(connections);
    expect(await prisma.reportingFact.count({ where: { metric: 'points_issued' } })).toBe(2 * connections);
    // Three instances scheduled the rollup job; bull keeps one schedule per job, not three.
    const repeatable = await viaProxy.app.get(QueueFactory).get(ROLLUP_QUEUE).getRepeatableJobs();
    expect(repeatable.map((r) => r.name).sort()).toEqual(['dirty-days', 'nightly']);
    expect(c.lines.filter((l) => l.includes('unhandled rejection'))).toEqual([]);
  }, 240_000);
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { RewardsApi } from '@heyblue/rewards';
import { connectionEvent, givenOffer, publish } from '../rewards/rewards-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { pgReplicaAt, type LocalPgReplica } from '../support/pg-replica.js';
import { eventually } from '../support/poll.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

/** One statement on a fresh connection (statistics are read as of its transaction). */
async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** Scans of a table (sequential and index) as that server's own statistics count them. */
async function scans(url: string, table: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    url,
    `SELECT (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text AS n FROM pg_stat_user_tables WHERE relname = '${table}'`,
  );
  return Number(row?.n ?? 0);
}

interface ReplicaHealth {
  status: string;
  state: 'ok' | 'degraded';
  inRotation: number;
  replicas: Array<{ name: string; state: string; lagSeconds: number | null }>;
}

const STATS = { timeoutMs: 30_000, intervalMs: 250 };

describe('PostgreSQL streaming replica (DATABASE_REPLICA_URLS)', () => {
  let replica: LocalPgReplica;
  let te: TestEnv;
  let t: TestApp;
  let replicaUrl: string;
  let citizen: SignedIn;
  let officer: SignedIn;
  let charityId: string;

  const ready = async (): Promise<{ status: number; replicas: ReplicaHealth }> => {
    const res = await api(t, 'GET', '/health/ready');
    return { status: res.status, replicas: res.body?.details?.postgres_replicas };
  };
  const inRotation = () =>
    eventually(ready, (r) => r.status === 200 && r.replicas?.state === 'ok', {
      timeoutMs: 30_000,
      what: 'the replica in rotation',
    });
  /** A sample of GET /metrics (`labels` as prom-client writes them), null when absent. */
  const metric = async (name: string, labels: string): Promise<number | null> => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
  };
  const charities = () => api(t, 'GET', '/rewards/charities?limit=100', { token: citizen.accessToken });

  beforeAll(async () => {
    const dir = process.env.HEYBLUE_TEST_PG_REPLICA_DIR;
    if (!dir) throw new Error('no replica: run this suite through the `replica` Jest project');
    replica = pgReplicaAt(dir);
    te = await createTestEnv();
    replicaUrl = replica.url(new URL(te.databaseUrl).pathname.slice(1));
    t = await startTestApp(
      {
        DATABASE_REPLICA_URLS: replicaUrl,
        DATABASE_REPLICA_MAX_LAG_MS: '3000',
        DATABASE_REPLICA_CHECK_MS: '200',
      },
      te,
    );
    [citizen, officer] = await Promise.all([given.citizen(t), given.officer(t)]);
    charityId = (
      await t.app
        .get(RewardsApi)
        .upsertCharity({ externalId: 'ch-replica', name: 'Replica Food Bank', description: 'Meals' })
    ).id;
    await givenOffer(t);
  });

  afterAll(async () => {
    await t?.close();
    await te?.drop();
    // Whatever a failed test left: the replica running and replaying for the other suites.
    if (replica) {
      await query(replicaUrl.replace(/\/[^/]+$/, '/postgres'), 'SELECT pg_wal_replay_resume()').catch(
        () => undefined,
      );
    }
  });

  it('readiness reports the replica in rotation with its lag', async () => {
    const r = await inRotation();
    expect(r.replicas).toEqual({
      status: 'up',
      state: 'ok',
      inRotation: 1,
      replicas: [{ name: 'replica-1', state: 'in_rotation', lagSeconds: expect.any(Number) }],
    });
    expect(r.replicas.replicas[0]!.lagSeconds).toBeLessThanOrEqual(3);
    expect(await metric('heyblue_db_replica_in_rotation', 'replica="replica-1",state="in_rotation"')).toBe(1);
  });

  it('lag-tolerant reads (catalogue by Prisma, offers and public profiles as raw statements) land on the replica, by its own statistics', async () => {
    // The replica has replayed the catalogue rows before we count.
    await eventually(charities, (r) => r.body.items?.some((c: { id: string }) => c.id === charityId), {
      what: 'the charity listed',
    });
    await inRotation();
    const tables = ['rewards_charity', 'rewards_offer', 'profile_profile'];
    const before = Object.fromEntries(
      await Promise.all(tables.map(async (tb) => [tb, await scans(replicaUrl, tb)] as const)),
    );
    const primaryBefore = await scans(te.databaseUrl, 'rewards_charity');
    const replicaReads = (await metric('heyblue_db_reads_total', 'target="replica-1"')) ?? 0;
    let made = 0;
    // Reads until the replica's statistics (flushed by its backends within ~10 s) count 20 of each.
    await eventually(
      async () => {
        for (let i = 0; i < 5; i++) {
          const [c, o, p] = await Promise.all([
            charities(),
            api(t, 'GET', '/rewards/offers', { token: citizen.accessToken }),
            api(t, 'GET', `/profiles/${officer.accountId}`, { token: citizen.accessToken }),
          ]);
          expect([c.status, o.status, p.status]).toEqual([200, 200, 200]);
          made++;
        }
        const now = await Promise.all(tables.map((tb) => scans(replicaUrl, tb)));
        return made >= 20 && tables.every((tb, i) => now[i]! >= before[tb]! + 20);
      },
      (ok) => ok,
      { ...STATS, what: 'the replica counting the reads' },
    );
    // Not on the primary (a check may have taken the replica out for a moment: fewer than all).
    expect(await scans(te.databaseUrl, 'rewards_charity')).toBeLessThan(primaryBefore + made);
    expect(await metric('heyblue_db_reads_total', 'target="replica-1"')).toBeGreaterThanOrEqual(
      replicaReads + 20,
    );
  });

  it('writes go to the primary, never the replica (which replays them)', async () => {
    await inRotation();
    const name = `Written ${randomUUID().slice(0, 8)}`;
    const res = await api(t, 'PATCH', '/me/profile', {
      token: officer.accessToken,
      body: { displayName: name },
    });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe(name);
    const [row] = await query<{ name: string }>(
      te.databaseUrl,
      `SELECT display_name AS name FROM profile_profile WHERE id = '${officer.accountId}'`,
    );
    expect(row?.name).toBe(name);
    // The public profile (a replica read) shows it once replayed.
    await eventually(
      () => api(t, 'GET', `/profiles/${officer.accountId}`, { token: citizen.accessToken }),
      (r) => r.body.displayName === name,
      { what: 'the replica replaying the write' },
    );
    // A write sent to a hot standby fails there and is logged; none was.
    expect(readFileSync(join(replica.dir, 'server.log'), 'utf8')).not.toMatch(/read-only transaction/);
  });

  it('while the replica is frozen, a balance right after a donation comes from the primary; past the lag limit the replica leaves the rotation and comes back once it catches up', async () => {
    const balanceOf = async () =>
      (await api(t, 'GET', '/rewards/balance', { token: officer.accessToken })).body.balance as number;
    const start = await balanceOf();
    await publish(t, connectionEvent({ citizenId: randomUUID(), officerId: officer.accountId, zip: null }));
    await eventually(balanceOf, (b) => b > start, { what: 'points earned' });
    await inRotation();
    await query(replicaUrl, 'SELECT pg_wal_replay_pause()');
    try {
      const before = await balanceOf();
      const donated = await api(t, 'POST', '/rewards/donations', {
        token: officer.accessToken,
        body: { charityId, points: 1 },
      });
      expect(donated.status).toBe(201);
      expect(donated.body.balance).toBe(before - 1);
      // The replica cannot have the donation: these answers come from the primary.
      expect(await balanceOf()).toBe(before - 1);
      const history = await api(t, 'GET', '/rewards/transactions', { token: officer.accessToken });
      expect(history.body.items[0]).toMatchObject({ delta: -1, balance: before - 1 });

      const lagging = await eventually(ready, (r) => r.replicas?.replicas[0]?.state === 'lagging', {
        timeoutMs: 30_000,
        what: 'the replica out of rotation, lagging',
      });
      expect(lagging.status).toBe(200);
      expect(lagging.replicas).toMatchObject({ status: 'up', state: 'degraded', inRotation: 0 });
      expect(lagging.replicas.replicas[0]!.lagSeconds).toBeGreaterThan(3);
      expect(await metric('heyblue_db_replica_in_rotation', 'replica="replica-1",state="lagging"')).toBe(0);
      expect(await metric('heyblue_db_replica_lag_seconds', 'replica="replica-1"')).toBeGreaterThan(3);
      // A charity made now is listed although the frozen replica cannot have it.
      const late = await t.app
        .get(RewardsApi)
        .upsertCharity({ externalId: 'ch-late', name: 'Late Shelter', description: 'Beds' });
      expect((await charities()).body.items.map((c: { id: string }) => c.id)).toContain(late.id);
    } finally {
      await query(replicaUrl, 'SELECT pg_wal_replay_resume()');
    }
    const back = await inRotation();
    expect(back.replicas.replicas[0]!.lagSeconds).toBeLessThanOrEqual(3);
  });

  it('when the replica stops, reads still answer (from the primary), readiness says degraded and the metrics show it; when it is back it takes reads again', async () => {
    await inRotation();
    const primaryReads = (await metric('heyblue_db_reads_total', 'target="primary"')) ?? 0;
    replica.stop();
    try {
      for (let i = 0; i < 5; i++) {
        const [c, p] = await Promise.all([
          charities(),
          api(t, 'GET', `/profiles/${officer.accountId}`, { token: citizen.accessToken }),
        ]);
        expect([c.status, p.status]).toEqual([200, 200]);
        expect(c.body.items.map((x: { id: string }) => x.id)).toContain(charityId);
      }
      const down = await eventually(ready, (r) => r.replicas?.replicas[0]?.state === 'unreachable', {
        what: 'the replica out of rotation, unreachable',
      });
      expect(down.status).toBe(200);
      expect(down.replicas).toEqual({
        status: 'up',
        state: 'degraded',
        inRotation: 0,
        replicas: [{ name: 'replica-1', state: 'unreachable', lagSeconds: null }],
      });
      expect(await metric('heyblue_db_replica_in_rotation', 'replica="replica-1",state="unreachable"')).toBe(
        0,
      );
      expect(await metric('heyblue_db_reads_total', 'target="primary"')).toBeGreaterThanOrEqual(
        primaryReads + 10,
      );
    } finally {
      replica.start();
    }
    await inRotation();
    const before = await scans(replicaUrl, 'rewards_charity');
    await eventually(
      async () => {
        for (let i = 0; i < 5; i++) expect((await charities()).status).toBe(200);
        return scans(replicaUrl, 'rewards_charity');
      },
      (n) => n >= before + 5,
      { ...STATS, what: 'reads on the replica again' },
    );
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@heyblue/db';
import { startTestApp, type TestApp } from '../support/app.js';
import { assertTestDatabase, databaseUrl, randomId, withAdmin } from '../support/databases.js';
import { findDrift, type DataModel } from '../support/drift.js';
import { api } from '../support/given.js';
import type { TestEnv } from '../support/test-env.js';
import { runScenario, SCENARIO_ENV, type Scenario } from './scenario.js';

const run = promisify(execFile);
const MIGRATIONS = `SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Rows per table of the public schema (the whole database: every context's tables). */
async function rowCounts(c: pg.Client): Promise<Record<string, number>> {
  const tables = (
    await c.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    )
  ).rows;
  const counts: Record<string, number> = {};
  for (const { name } of tables)
    counts[name] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`)).rows[0]!.n);
  return counts;
}

/**
 * The invariants a restored copy must keep, each as a query listing its violations:
 * the ledger chain, the running balances, the profile projection fed by events, connection
 * points, and identity sequences ahead of their columns (or the next insert would collide).
 */
const CONSISTENCY: Record<string, string> = {
  'ledger balance_after is the running sum of deltas': `
    SELECT account_id, seq FROM (
      SELECT account_id, seq, balance_after, sum(delta) OVER (PARTITION BY account_id ORDER BY seq) AS running
      FROM rewards_ledger_entry) x
    WHERE balance_after <> running`,
  'rewards_account.balance equals the ledger sum': `
    SELECT coalesce(a.account_id, l.account_id) AS account_id FROM rewards_account a
    FULL JOIN (SELECT account_id, sum(delta) AS total FROM rewards_ledger_entry GROUP BY account_id) l USING (account_id)
    WHERE coalesce(a.balance, 0) <> coalesce(l.total, 0)`,
  'profile points_balance (projection) equals the ledger': `
    SELECT p.id FROM profile_profile p
    LEFT JOIN (SELECT account_id, sum(delta) AS total, max(seq) AS last FROM rewards_ledger_entry GROUP BY account_id) l ON l.account_id = p.id
    WHERE p.points_balance <> coalesce(l.total, 0) OR p.balance_seq <> coalesce(l.last, 0)`,
  'profile connections_count equals the connections': `
    SELECT p.id FROM profile_profile p
    WHERE p.connections_count <> (SELECT count(*) FROM connections_connection c WHERE p.id IN (c.officer_id, c.citizen_id))`,
  'every connection credited both sides in the ledger': `
    SELECT c.id FROM connections_connection c
    WHERE (SELECT count(*) FROM rewards_ledger_entry e WHERE e.reason = 'connection' AND e.reference = c.id::text) <> 2`,
  'no event left undispatched': `SELECT id FROM platform_outbox_event WHERE dispatched_at IS NULL`,
};

async function violations(c: pg.Client): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(CONSISTENCY)) out[name] = (await c.query(sql)).rows;
  // A restore that left a sequence behind its column would fail the next insert with a duplicate key.
  const serials = (
    await c.query<{ table_name: string; column_name: string; seq: string }>(
      `SELECT table_name, column_name, pg_get_serial_sequence(format('%I', table_name), column_name) AS seq
     FROM information_schema.columns WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'`,
    )
  ).rows;
  out['sequences are ahead of their columns'] = [];
  for (const s of serials) {
    const { last, max } = (
      await c.query<{ last: string | null; max: string | null }>(
        `SELECT (SELECT last_value FROM ${s.seq}) AS last, (SELECT max("${s.column_name}") FROM "${s.table_name}") AS max`,
      )
    ).rows[0]!;
    if (max !== null && BigInt(last ?? 0) < BigInt(max)) out['sequences are ahead of their columns'].push(s);
  }
  return out;
}

describe('backup and restore (docs/operations.md): pg_dump of a live database, pg_restore into a fresh one', () => {
  let t: TestApp | undefined;
  let restoredApp: TestApp | undefined;
  let scenario: Scenario;
  let source = '';
  const restoredName = `${process.env.HEYBLUE_TEST_RUN}_restore_${randomId()}`;
  const restored = databaseUrl(restoredName);
  const dir = mkdtempSync(join(tmpdir(), 'heyblue-backup-'));

  beforeAll(async () => {
    assertTestDatabase(restoredName);
    t = await startTestApp(SCENARIO_ENV);
    source = t.testEnv.databaseUrl;
    scenario = await runScenario(t);
  }, 60_000);
  afterAll(async () => {
    await restoredApp?.close();
    await t?.close();
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${restoredName}" WITH (FORCE)`));
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores a copy that has no schema drift, the same rows, a consistent ledger and projections, and serves the same answers', async () => {
    // The app keeps writing (consumers, the rollup job), so the source is read in the very
    // snapshot pg_dump dumps: its rows and invariants are what the restore must reproduce.
    const dump = join(dir, 'heyblue.dump');
    const live = new pg.Client({ connectionString: source });
    await live.connect();
    let atSnapshot: {
      counts: Record<string, number>;
      broken: Record<string, unknown[]>;
      migrations: unknown[];
    };
    try {
      await live.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const snapshot = (await live.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
      atSnapshot = {
        counts: await rowCounts(live),
        broken: await violations(live),
        migrations: (await live.query(MIGRATIONS)).rows,
      };
      // The documented command: a custom-format dump of the live database (no lock on writers).
      await run('pg_dump', [
        '--format=custom',
        '--no-owner',
        '--no-privileges',
        `--snapshot=${snapshot}`,
        `--file=${dump}`,
        source,
      ]);
      await live.query('COMMIT');
    } finally {
      await live.end();
    }
    // The source is consistent to begin with, so what follows tests the restore, not the scenario.
    expect(atSnapshot.broken).toEqual(
      Object.fromEntries(
        [...Object.keys(CONSISTENCY), 'sequences are ahead of their columns'].map((k) => [k, []]),
      ),
    );
    expect(statSync(dump).size).toBeGreaterThan(0);
    // Restored into a database created empty (template0), as after losing the server.
    await withAdmin((c) => c.query(`CREATE DATABASE "${restoredName}" TEMPLATE template0`));
    await run('pg_restore', [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--jobs=2',
      `--dbname=${restored}`,
      dump,
    ]);

    const model = (
      new PrismaClient({
        adapter: new PrismaPg({ connectionString: 'postgresql://unused@127.0.0.1/unused' }),
      }) as unknown as { _runtimeDataModel: DataModel }
    )._runtimeDataModel;
    await withClient(restored, async (c) => {
      expect(await findDrift(c, model)).toEqual([]);
      expect((await c.query(MIGRATIONS)).rows).toEqual(atSnapshot.migrations);
      const counts = await rowCounts(c);
      expect(counts).toEqual(atSnapshot.counts);
      expect(counts.rewards_ledger_entry).toBeGreaterThanOrEqual(4);
      expect(await violations(c)).toEqual(atSnapshot.broken);
    });

    // The restored copy runs the app: sessions, balances and connections answer as before the backup.
    const { citizen, officer } = scenario;
    const answers = async (app: TestApp) =>
      Promise.all([
        api(app, 'GET', '/rewards/balance', { token: citizen.accessToken }),
        api(app, 'GET', '/rewards/transactions', { token: officer.accessToken }),
        api(app, 'GET', '/connections', { token: citizen.accessToken }),
      ]).then((rs) => rs.map((r) => ({ status: r.status, body: r.body })));
    const original = await answers(t!);
    const redisPrefix = `${t!.testEnv.redisPrefix}r`;
    const env: TestEnv = {
      databaseUrl: restored,
      redisPrefix,
      env: { ...t!.testEnv.env, DATABASE_URL: restored, REDIS_PREFIX: redisPrefix },
      drop: async () => undefined,
    };
    await t!.close();
    t = undefined;
    restoredApp = await startTestApp({}, env);
    expect((await api(restoredApp, 'GET', '/health/ready')).status).toBe(200);
    expect(await answers(restoredApp)).toEqual(original);
    expect(original[0]!.body.balance).toBeGreaterThan(0);
    expect(original[2]!.body.items.map((c: { id: string }) => c.id)).toEqual([scenario.connectionId]);
  });
});

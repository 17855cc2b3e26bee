import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pgArray } from '@heyblue/platform';
import { FIRST_ROWS_SQL } from '../../libs/etl/src/infrastructure/etl-jobs.repository.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/**
 * The ETL duplicate check asks the per-job key table for one job's rows among a batch of
 * keys, while the table fills during the job and has no statistics (it is never analysed
 * mid-job). With the key not leading the index, PostgreSQL planned an index scan on the job
 * alone and filtered the keys, reading all of the job's rows per batch: a 1,000,000-row
 * upload then took hours. The lookup must be an index lookup on the keys themselves.
 */
describe('ETL duplicate-check lookup on an unanalysed key table', () => {
  let env: TestEnv;
  let db: pg.Client;

  beforeAll(async () => {
    env = await createTestEnv();
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await env?.drop();
  });

  it('looks the batch keys up in the index, whatever the job has stored so far', async () => {
    const job = randomUUID();
    const other = randomUUID();
    // A big job in progress next to a small one, as after 100 batches of an offers upload.
    await db.query(
      `INSERT INTO etl_job_key (job_id, key, row) SELECT $1::uuid, 'offer-' || g, g FROM generate_series(1, 200000) g`,
      [job],
    );
    await db.query(
      `INSERT INTO etl_job_key (job_id, key, row) SELECT $1::uuid, 'offer-' || g, g FROM generate_series(1, 2000) g`,
      [other],
    );
    const { rows: stats } = await db.query<{ analysed: boolean }>(
      `SELECT (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL) AS analysed FROM pg_stat_user_tables WHERE relname = 'etl_job_key'`,
    );
    expect(stats).toEqual([{ analysed: false }]);

    const keys = Array.from({ length: 2000 }, (_, i) => `offer-${199_000 + i}`); // 1,001 known, 999 new
    const sql = FIRST_ROWS_SQL; // what EtlJobsRepository.firstRows runs
    const { rows: found } = await db.query<{ key: string; row: number }>(sql, [job, pgArray(keys)]);
    expect(found).toHaveLength(1001);

    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      [job, pgArray(keys)],
    );
    const plan = nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
    const indexed = plan.filter((n) => n['Index Name'] === 'etl_job_key_pkey');
    expect(indexed).not.toHaveLength(0);
    for (const n of indexed)
      expect(n['Index Cond']).toMatch(/job_id = .*key = wanted\.key|key = wanted\.key.*job_id = /);
    for (const n of plan) {
      expect(n['Node Type']).not.toBe('Seq Scan');
      expect(n['Rows Removed by Filter'] ?? 0).toBe(0);
      expect(n['Rows Removed by Index Recheck'] ?? 0).toBe(0);
    }
  });
});

// bench:etl — a generated offers CSV (BENCH_ETL_ROWS, default 1,000,000) uploaded to the
// built API as an admin would, loaded by the ETL worker (validated, sanitised, upserted
// through the Rewards facade); rows/s and the API process's peak RSS growth. Baseline in
// the same run: the same file streamed through csv-parse into a plain table with
// batched multi-row INSERTs (no validation, no upsert logic).
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { parse } from 'csv-parse';
import pg from 'pg';
import {
  createBenchDatabase,
  dropRedisPrefix,
  printResult,
  REDIS_URL,
  rssBytes,
  startApi,
} from '../support/harness.js';

const run = promisify(execFile);
const ROWS = Number(process.env.BENCH_ETL_ROWS ?? 1_000_000);
const API_PORT = Number(process.env.BENCH_ETL_PORT ?? 3330);
const log = (line: string) => process.stderr.write(`[bench:etl] ${line}\n`);

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const until = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  out.write(
    'external_id,retailer_external_id,title,points_cost,discount,valid_from,valid_until,max_redemptions,zips\n',
  );
  for (let i = 0; i < ROWS; i++) {
    const line = `offer-${i},bench-r${i % 10},"Coffee & cake ${i}",${(i % 500) + 1},${(i % 30) + 5}% off,${from},${until},${i % 3 === 0 ? 100 : ''},${10000 + (i % 900)};${10001 + (i % 900)}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function baselineLoad(url: string, path: string): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(
    `CREATE TABLE bench_offer_raw (external_id text PRIMARY KEY, retailer text, title text, points_cost int, discount text, valid_from date, valid_until date, max_redemptions int, zips text)`,
  );
  const started = performance.now();
  let batch: string[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const params: unknown[] = [];
    const values = batch.map(
      (r) => `(${r.map((v) => (params.push(v === '' ? null : v), `$${params.length}`)).join(',')})`,
    );
    await db.query(`INSERT INTO bench_offer_raw VALUES ${values.join(',')}`, params);
    batch = [];
  };
  for await (const record of createReadStream(path).pipe(
    parse({ from_line: 2, relax_column_count: false }),
  )) {
    batch.push(record as string[]);
    if (batch.length === 500) await flush();
  }
  await flush();
  const seconds = (performance.now() - started) / 1000;
  await db.end();
  return ROWS / seconds;
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const prefix = `bench_${db.name.slice(-8)}`;
  const env = {
    NODE_ENV: 'development',
    HEYBLUE_DEV_MODE: 'true',
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  };
  const work = await mkdtemp(join(tmpdir(), 'heyblue-bench-'));
  try {
    const csv = join(work, 'offers.csv');
    log(`writing ${ROWS} offer rows`);
    await writeCsv(csv);
    const bytes = (await stat(csv)).size;
    await run(
      process.execPath,
      [
        'dist/apps/api/src/cli.js',
        'session:issue',
        '--role',
        'admin',
        '--count',
        '1',
        '--out',
        join(work, 'admin.json'),
      ],
      {
        env: { ...process.env, ...env },
      },
    );
    const [admin] = JSON.parse(await readFile(join(work, 'admin.json'), 'utf8')) as Array<{
      accessToken: string;
    }>;
    const auth = { authorization: `Bearer ${admin!.accessToken}` };
    const api = await startApi(env, API_PORT);
    let figures: Record<string, number>;
    try {
      const retailers = [
        'external_id,name,website,contact_email,zip',
        ...Array.from(
          { length: 10 },
          (_, i) => `bench-r${i},Retailer ${i},https://r${i}.example,r${i}@example.com,10001`,
        ),
      ].join('\n');
      await uploadAndWait(
        api.url,
        auth,
        'retailers',
        new Blob([retailers], { type: 'text/csv' }),
        () => undefined,
      );

      const rssStart = await rssBytes(api.child.pid!);
      let rssPeak = rssStart;
      const started = performance.now();
      log(`uploading ${(bytes / 1048576).toFixed(0)} MiB`);
      const file = await openAsBlob(csv);
      const job = await uploadAndWait(api.url, auth, 'offers', file, async () => {
        rssPeak = Math.max(rssPeak, await rssBytes(api.child.pid!));
      });
      const seconds = (performance.now() - started) / 1000;
      log(`job ${JSON.stringify({ ...job, errors: (job.errors as unknown[]).slice(0, 3) })}`);
      figures = {
        rows_per_s: (job.rowsOk as number) / seconds,
        rows_ok: job.rowsOk as number,
        rows_failed: job.rowsFailed as number,
        seconds,
        rss_start_mb: rssStart / 1048576,
        rss_peak_mb: rssPeak / 1048576,
        rss_growth_mb: (rssPeak - rssStart) / 1048576,
      };
    } finally {
      await api.stop();
    }
    log('baseline: csv-parse + batched INSERT into a plain table');
    const baseRate = await baselineLoad(db.url, csv);
    printResult('etl', figures, { rows_per_s: baseRate }, { rows_per_s: figures.rows_per_s! / baseRate });
  } finally {
    await db.drop();
    await dropRedisPrefix(prefix);
    await rm(work, { recursive: true, force: true });
  }
}

async function openAsBlob(path: string): Promise<Blob> {
  const { openAsBlob: open } = await import('node:fs');
  return open(path, { type: 'text/csv' });
}

async function uploadAndWait(
  base: string,
  auth: Record<string, string>,
  kind: string,
  file: Blob,
  sample: () => unknown,
): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.set('kind', kind);
  form.set('file', file, `${kind}.csv`);
  const res = await fetch(`${base}/api/v1/admin/etl/uploads`, { method: 'POST', headers: auth, body: form });
  if (res.status !== 202) throw new Error(`upload ${kind}: ${res.status} ${await res.text()}`);
  const { jobId } = (await res.json()) as { jobId: string };
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    await sample();
    const job = (await (
      await fetch(`${base}/api/v1/admin/etl/jobs/${jobId}`, { headers: auth })
    ).json()) as Record<string, unknown>;
    if (job.status === 'done') return job;
    if (job.status === 'failed') throw new Error(`job failed: ${JSON.stringify(job).slice(0, 500)}`);
    if (Date.now() > deadline) throw new Error('job did not finish in 30 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
}

await main();
process.exit(0);

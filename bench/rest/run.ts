// bench:rest — the built API under autocannon (50 connections, closed loop) on
// GET /me, GET /rewards/offers?zip=, GET /rewards/balance and POST /rewards/redemptions,
// next to a bare Fastify + pg primary-key route measured in the same run.
// Usage: npm run bench:rest  (BENCH_DURATION_S=10, BENCH_CITIZENS=300; BENCH_ROUTES=me,offers
// measures a subset, e.g. with BENCH_CPU_PROFILE_DIR to profile one route)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  benchEnvironment,
  createBenchDatabase,
  dropRedisPrefix,
  issueSessions,
  load,
  printResult,
  startApi,
  upload,
  waitForIdleQueues,
  type LoadResult,
} from '../support/harness.js';

const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 300);
const API_PORT = 3310;
const BASELINE_PORT = 3311;
const ZIP = '10001';
const ROUTES = new Set(
  (process.env.BENCH_ROUTES ?? 'me,offers,balance,redemptions').split(',').map((r) => r.trim()),
);
const skipped: LoadResult = { rps: 0, p50: 0, p99: 0, errors: 0, non2xx: 0, total: 0 };
const log = (line: string) => process.stderr.write(`[bench:rest] ${line}\n`);

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const { prefix, env } = benchEnvironment(db, { OUTBOX_POLL_MS: '50' });
  const work = await mkdtemp(join(tmpdir(), 'heyblue-bench-'));
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const children: Array<{ stop: () => Promise<void> }> = [];
  try {
    log(`database ${db.name}; issuing ${CITIZENS} citizen sessions and one admin`);
    const citizens = await issueSessions(env, 'citizen', CITIZENS, work);
    const [admin] = await issueSessions(env, 'admin', 1, work);

    const api = await startApi(env, API_PORT);
    children.push(api);
    const authed = (token: string) => ({ authorization: `Bearer ${token}` });

    // Catalogue through the admin ETL upload, as the dashboard would: a 1-point offer with no stock limit.
    await upload(
      api.url,
      admin!.accessToken,
      'retailers',
      `external_id,name,website,contact_email,zip\nbench-r1,Bench Coffee,https://bench.example,owner@bench.example,${ZIP}\n`,
    );
    const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await upload(
      api.url,
      admin!.accessToken,
      'offers',
      `external_id,retailer_external_id,title,points_cost,discount,valid_from,valid_until,max_redemptions,zips\nbench-o1,bench-r1,Bench coffee,1,10% off,${from},${until},,${ZIP}\n`,
    );
    const offers = (await (
      await fetch(`${api.url}/api/v1/rewards/offers?zip=${ZIP}`, {
        headers: authed(citizens[0]!.accessToken),
      })
    ).json()) as { items: Array<{ id: string; title: string }> };
    const offer = offers.items.find((o) => o.title === 'Bench coffee');
    if (!offer) throw new Error(`bench offer not listed: ${JSON.stringify(offers).slice(0, 300)}`);

    // Points arrive the way they do in production: ConnectionEstablished through the outbox.
    const perCitizen = Math.max(2, Math.ceil((2_500 * DURATION) / CITIZENS / 10));
    log(`crediting ${perCitizen} connections per citizen through the outbox`);
    // One officer per connection: crediting a single officer thousands of times would queue
    // every credit on one balance row, which no real city does.
    for (const c of citizens) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let i = 0; i < perCitizen; i++) {
        const connectionId = randomUUID();
        const officerId = randomUUID();
        params.push(
          randomUUID(),
          JSON.stringify({
            connectionId,
            officerId,
            citizenId: c.accountId,
            establishedAt: new Date().toISOString(),
            zip: ZIP,
            cell: 'dr5r',
          }),
        );
        values.push(
          `($${params.length - 1}::uuid, 'ConnectionEstablished', 1, now(), $${params.length}::jsonb)`,
        );
      }
      await sql.query(
        `INSERT INTO platform_outbox_event (id, type, version, occurred_at, payload) VALUES ${values.join(',')}`,
        params,
      );
    }
    const expected = CITIZENS * perCitizen;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const { rows } = await sql.query<{ n: string }>(
        `SELECT count(*) AS n FROM rewards_ledger_entry WHERE reason = 'connection' AND account_id = ANY($1::uuid[])`,
        [citizens.map((c) => c.accountId)],
      );
      if (Number(rows[0]!.n) >= expected) break;
      if (Date.now() > deadline)
        throw new Error(`only ${rows[0]!.n}/${expected} connection credits after 180 s`);
      await new Promise((r) => setTimeout(r, 500));
    }

    // Let every consumer (profile, connections, reporting) drain its queue before measuring.
    await waitForIdleQueues(api.url);

    // Baseline: bare Fastify + pg, one primary-key SELECT per request.
    await sql.query(`CREATE TABLE bench_baseline (id uuid PRIMARY KEY, payload jsonb NOT NULL)`);
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    await sql.query(
      `INSERT INTO bench_baseline SELECT unnest($1::uuid[]), '{"name":"row","points":42}'::jsonb`,
      [ids],
    );
    const baselineServer = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'bench/support/baseline-pg-server.ts'],
      {
        env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: db.url, PORT: String(BASELINE_PORT) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push({
      stop: async () =>
        void (baselineServer.kill('SIGTERM'), await new Promise((r) => baselineServer.once('exit', r))),
    });
    await new Promise<void>((resolve, reject) => {
      baselineServer.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      baselineServer.once('exit', (code) => reject(new Error(`baseline server exited ${code}`)));
    });

    let n = 0;
    const rotate = <T>(items: T[]) => items[n++ % items.length]!;
    const baseline = await load({
      url: `http://127.0.0.1:${BASELINE_PORT}`,
      duration: DURATION,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/row/${rotate(ids)}` }) }],
    });
    log(`baseline ${JSON.stringify(baseline)}`);

    const getRoute = (path: string) =>
      load({
        url: api.url,
        duration: DURATION,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({
              ...req,
              path,
              headers: { ...req.headers, ...authed(rotate(citizens).accessToken) },
            }),
          },
        ],
      });
    const me = ROUTES.has('me') ? await getRoute('/api/v1/me') : skipped;
    log(`me ${JSON.stringify(me)}`);
    const offersRes = ROUTES.has('offers') ? await getRoute(`/api/v1/rewards/offers?zip=${ZIP}`) : skipped;
    log(`offers ${JSON.stringify(offersRes)}`);
    const balance = ROUTES.has('balance') ? await getRoute('/api/v1/rewards/balance') : skipped;
    log(`balance ${JSON.stringify(balance)}`);

    const vouchersBefore = Number(
      (await sql.query<{ n: string }>(`SELECT count(*) AS n FROM rewards_voucher`)).rows[0]!.n,
    );
    const body = JSON.stringify({ offerId: offer.id });
    const redemptions = !ROUTES.has('redemptions')
      ? skipped
      : await load({
          url: api.url,
          duration: DURATION,
          requests: [
            {
              method: 'POST',
              setupRequest: (req) => ({
                ...req,
                path: '/api/v1/rewards/redemptions',
                body,
                headers: {
                  ...req.headers,
                  'content-type': 'application/json',
                  'idempotency-key': randomUUID(),
                  ...authed(rotate(citizens).accessToken),
                },
              }),
            },
          ],
        });
    log(`redemptions ${JSON.stringify(redemptions)}`);

    // The consumers of PointsRedeemed (profile balance, reporting) run in the same process: how
    // far behind were they when the window closed, and how long until they caught up?
    const windowEnd = Date.now();
    const deliveries = async () =>
      (
        await sql.query<{ events: string; applied: string }>(`
        SELECT (SELECT count(*) FROM platform_outbox_event WHERE type = 'PointsRedeemed') AS events,
               (SELECT count(*) FROM platform_processed_event p JOIN platform_outbox_event o ON o.id = p.event_id WHERE o.type = 'PointsRedeemed') AS applied`)
      ).rows[0]!;
    const atEnd = await deliveries();
    await waitForIdleQueues(api.url);
    const drainS = (Date.now() - windowEnd) / 1000;
    const drained = await deliveries();
    const handlers = Number(drained.events) > 0 ? Number(drained.applied) / Number(drained.events) : 0;
    const pendingAtEnd = Math.round(Number(atEnd.events) * handlers - Number(atEnd.applied));
    log(
      `consumers: ${pendingAtEnd} PointsRedeemed deliveries pending when the window closed (${handlers} handlers), caught up ${drainS.toFixed(1)} s later`,
    );

    // Integrity after the run: every voucher has exactly one debit, balances equal the ledger.
    const { rows: check } = await sql.query<{
      vouchers: string;
      debits: string;
      debit_points: string;
      mismatched: string;
    }>(`
      SELECT (SELECT count(*) FROM rewards_voucher) AS vouchers,
             (SELECT count(*) FROM rewards_ledger_entry WHERE reason = 'redemption') AS debits,
             (SELECT coalesce(-sum(delta), 0) FROM rewards_ledger_entry WHERE reason = 'redemption') AS debit_points,
             (SELECT count(*) FROM rewards_account a WHERE a.balance <> (SELECT coalesce(sum(delta), 0) FROM rewards_ledger_entry e WHERE e.account_id = a.account_id)) AS mismatched`);
    const vouchers = Number(check[0]!.vouchers) - vouchersBefore;
    const debits = Number(check[0]!.debits);
    const mismatched = Number(check[0]!.mismatched);
    log(
      `integrity: ${vouchers} vouchers, ${debits} debits (${check[0]!.debit_points} points), ${mismatched} accounts off the ledger`,
    );

    const figures: Record<string, number> = {};
    const ratios: Record<string, number> = {};
    const add = (route: string, r: LoadResult) => {
      figures[`${route}_rps`] = r.rps;
      figures[`${route}_p99_ms`] = r.p99;
      figures[`${route}_errors`] = r.errors + r.non2xx;
      ratios[`${route}_rps`] = r.rps / baseline.rps;
      ratios[`${route}_p99`] = r.p99 / baseline.p99;
    };
    if (ROUTES.has('me')) add('me', me);
    if (ROUTES.has('offers')) add('offers', offersRes);
    if (ROUTES.has('balance')) add('balance', balance);
    if (ROUTES.has('redemptions')) add('redemptions', redemptions);
    if (ROUTES.has('redemptions')) {
      figures.redemptions_deliveries_pending_at_end = pendingAtEnd;
      figures.redemptions_consumers_drain_s = Math.round(drainS * 10) / 10;
      // What the whole process sustains, the consumers' catching up included.
      figures.redemptions_sustained_per_s = Math.round(vouchers / (DURATION + drainS));
    }
    figures.redemptions_vouchers = vouchers;
    figures.redemptions_ledger_debits = debits;
    figures.redemptions_lost_or_duplicated = Math.abs(vouchers - debits) + mismatched;
    printResult('rest', figures, { pg_route_rps: baseline.rps, pg_route_p99_ms: baseline.p99 }, ratios);
  } finally {
    for (const c of children.reverse()) await c.stop().catch(() => undefined);
    await sql.end();
    await db.drop();
    await dropRedisPrefix(prefix);
    await rm(work, { recursive: true, force: true });
  }
}

await main();

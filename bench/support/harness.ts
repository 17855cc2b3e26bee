// Shared plumbing for benchmarks: a throwaway database, the built API as a child process,
// autocannon runs, and the one JSON result line every benchmark ends with.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrate } from '../../libs/platform/src/database/migrator.js';

export const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database named `heyblue_bench_<random>`, dropped by `drop()`. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `heyblue_bench_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString(), join(process.cwd(), 'prisma', 'migrations'));
  return {
    name,
    url: url.toString(),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

/** Deletes every Redis key a benchmark run wrote under its prefix. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The API's environment for a benchmark run: development mode, its own database and Redis prefix. */
export function benchEnvironment(
  db: BenchDatabase,
  extra: Record<string, string> = {},
): { prefix: string; env: Record<string, string> } {
  const prefix = `bench_${db.name.slice(-8)}`;
  return {
    prefix,
    env: {
      NODE_ENV: 'development',
      HEYBLUE_DEV_MODE: 'true',
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      ...extra,
    },
  };
}

/** One account written by `session:issue` (the CLI's JSON output). */
export interface IssuedSession {
  accountId: string;
  role: string;
  login: string;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
}

/** The built ops CLI; pass another command (e.g. the sources through @swc-node) as `cli`. */
export const BUILT_CLI = [process.execPath, 'dist/apps/api/src/cli.js'];

/** Verified accounts with sessions, through the ops CLI's `session:issue` (development mode). */
export async function issueSessions(
  env: Record<string, string>,
  role: 'citizen' | 'officer' | 'admin',
  count: number,
  dir: string,
  cli: string[] = BUILT_CLI,
): Promise<IssuedSession[]> {
  const out = join(dir, `${role}-${count}.json`);
  const [command, ...args] = cli;
  if (!command) throw new Error('issueSessions: empty CLI command');
  await promisify(execFile)(
    command,
    [...args, 'session:issue', '--role', role, '--count', String(count), '--out', out],
    {
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
    },
  );
  return JSON.parse(await readFile(out, 'utf8')) as IssuedSession[];
}

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The node arguments of `npm run start:prod` (heap budget and entry point): benchmarks run the API as deployed. */
export function startProdArgs(): string[] {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
    .scripts['start:prod']!;
  const [node, ...args] = script.trim().split(/\s+/);
  if (node !== 'node' || args.at(-1) !== 'dist/apps/api/src/main.js')
    throw new Error(`start:prod is not "node [flags] dist/apps/api/src/main.js": ${script}`);
  return args;
}

/**
 * Starts the built server (`dist/`) with `env` and waits until it is ready. `detached` puts it
 * in its own process group, so a terminal's Ctrl-C reaches only the caller, which stops it.
 */
export async function startApi(
  env: Record<string, string>,
  port: number,
  opts: { detached?: boolean } = {},
): Promise<ApiProcess> {
  // BENCH_CPU_PROFILE_DIR=<dir>: the API writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`]
    : [];
  // BENCH_API_NODE_FLAGS="--flag …": extra node flags for the API, to compare a setting against start:prod's.
  const extra = (process.env.BENCH_API_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const prod = startProdArgs();
  // After start:prod's flags (the last of a repeated V8 flag wins), before the entry point.
  const child = spawn(process.execPath, [...profile, ...prod.slice(0, -1), ...extra, ...prod.slice(-1)], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: opts.detached ?? false,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/api/v1/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('API did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Polls /metrics until the outbox is relayed and no queue has jobs waiting or running. */
export async function waitForIdleQueues(base: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    // Delayed jobs are retries in backoff or repeatable schedules (e.g. rollups): not backlog.
    const depth = [
      ...text.matchAll(/^heyblue_event_queue_depth\{[^}]*state="(?:waiting|active)"[^}]*\} (\d+)/gm),
    ].reduce((a, m) => a + Number(m[1]), 0);
    const pending = Number(/^heyblue_outbox_pending (\d+)/m.exec(text)?.[1] ?? 0);
    if (depth === 0 && pending === 0) return;
    if (Date.now() > deadline)
      throw new Error(`queues still busy after 300 s (depth ${depth}, outbox ${pending})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

/** One closed-loop autocannon run; `requests` may rotate per-request headers/bodies. */
export async function load(opts: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ connections: 50, duration: 10, ...opts });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

export interface EtlJob {
  status: string;
  rowsTotal: number;
  rowsOk: number;
  rowsFailed: number;
  errors: Array<{ row: number; field: string; message: string }>;
}

/** Uploads a CSV through the admin ETL API (as the dashboard does) and waits for its job; throws unless rows loaded. */
export async function upload(base: string, token: string, kind: string, csv: string): Promise<EtlJob> {
  const form = new FormData();
  form.set('kind', kind);
  form.set('file', new Blob([csv], { type: 'text/csv' }), `${kind}.csv`);
  const res = await fetch(`${base}/api/v1/admin/etl/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status !== 202) throw new Error(`upload ${kind}: ${res.status} ${await res.text()}`);
  const { jobId } = (await res.json()) as { jobId: string };
  for (let i = 0; i < 120; i++) {
    const job = (await (
      await fetch(`${base}/api/v1/admin/etl/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as EtlJob;
    if (job.status === 'done' && job.rowsOk > 0) return job;
    if (job.status === 'failed' || (job.status === 'done' && job.rowsOk === 0))
      throw new Error(`upload ${kind} failed: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`upload ${kind} did not finish`);
}

/** Prints the benchmark's closing line (the contract every benchmark follows). */
export function printResult(
  bench: string,
  figures: Record<string, number>,
  baseline: Record<string, number>,
  ratios: Record<string, number>,
): void {
  const round = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  console.log(
    JSON.stringify({ bench, figures: round(figures), baseline: round(baseline), ratios: round(ratios) }),
  );
}

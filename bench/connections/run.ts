// bench:connections — the real-time core under load, next to a bare socket.io + ioredis
// baseline driven by the same generator in the same run:
//   1. location throughput (closed loop, officer sockets) and ack latency at a fixed rate;
//   2. nearest-officer queries (citizen `location` acks, and GET /connections/nearby) over
//      ~100k indexed officers in 50 metros plus one dense metro (~600 within 2 km);
//   3. RSS per idle authenticated socket.
// App and baseline windows alternate: each load window runs BENCH_ROUNDS times on each side,
// back to back (baseline first in odd rounds, app first in even ones), while the other side's
// process is paused (SIGSTOP), so a slow spell of the shared machine hits both sides alike. A
// figure is the median of its rounds; every round is logged.
// Sizes: BENCH_OFFICER_SOCKETS (2000), BENCH_CITIZEN_SOCKETS (500), BENCH_INDEXED_OFFICERS
// (100000), BENCH_IDLE_SOCKETS (10000), BENCH_DURATION_S (8), BENCH_OPEN_RATE (1000), BENCH_ROUNDS (3);
// ports BENCH_CONNECTIONS_API_PORT (3320) and BENCH_CONNECTIONS_BASELINE_PORT (API port + 1).
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { AppModule } from '../../apps/api/src/app.module.js';
import { RedisDisplayNames } from '../../libs/connections/src/infrastructure/redis-display-names.js';
import { GeoIndex } from '../../libs/connections/src/infrastructure/geo-index.js';
import {
  benchEnvironment,
  createBenchDatabase,
  dropRedisPrefix,
  issueSessions,
  load,
  printResult,
  REDIS_URL,
  rssBytes,
  startApi,
  waitForIdleQueues,
} from '../support/harness.js';
import { around, METROS, rng } from './metros.js';

const OFFICERS = Number(process.env.BENCH_OFFICER_SOCKETS ?? 2000);
const CITIZENS = Number(process.env.BENCH_CITIZEN_SOCKETS ?? 500);
const INDEXED = Number(process.env.BENCH_INDEXED_OFFICERS ?? 100_000);
const IDLE = Number(process.env.BENCH_IDLE_SOCKETS ?? 10_000);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 8);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 1000);
// Overridable so that several checkouts on one machine can bench side by side.
const API_PORT = Number(process.env.BENCH_CONNECTIONS_API_PORT ?? 3320);
const BASE_PORT = Number(process.env.BENCH_CONNECTIONS_BASELINE_PORT ?? API_PORT + 1);
const DENSE = METROS[0]!;
const log = (line: string) => process.stderr.write(`[bench:connections] ${line}\n`);

interface GenResult {
  acks: number;
  perS: number;
  p50: number;
  p99: number;
  codes: Record<string, number>;
  avgNearby: number;
  p99BySecond?: number[];
}

let configs = 0;

/** Writes a generator config to a file (thousands of tokens do not fit in argv). */
function configFile(cfg: Record<string, unknown>): string {
  const path = join(tmpdir(), `heyblue-gen-${process.pid}-${configs++}.json`);
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}

function generate(cfg: Record<string, unknown>): Promise<GenResult> {
  return new Promise((resolve, reject) => {
    const child = own(
      spawn(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', 'bench/connections/generator.ts', configFile(cfg)],
        {
          env: { ...process.env, NODE_OPTIONS: '' },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      ),
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as GenResult)
        : reject(new Error(`generator exited ${code}`)),
    );
  });
}

/** Holds `sockets` idle connections in a generator process until `release()`. */
function hold(cfg: Record<string, unknown>): Promise<{ child: ChildProcess; release: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = own(
      spawn(
        process.execPath,
        [
          '--import',
          '@swc-node/register/esm-register',
          'bench/connections/generator.ts',
          configFile({ ...cfg, mode: 'idle' }),
        ],
        {
          env: { ...process.env, NODE_OPTIONS: '' },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      ),
    );
    child.stdout.once('data', () =>
      resolve({
        child,
        release: async () => void (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r))),
      }),
    );
    child.once('exit', (code) => reject(new Error(`idle generator exited ${code}`)));
  });
}

const settle = () => new Promise((r) => setTimeout(r, 3_000));

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A process that can be paused while the other side's window runs (a stopped process takes no CPU). */
interface Side {
  name: 'app' | 'baseline';
  pid: number;
}

/** Continues every paused side (a stopped process would never act on SIGTERM). */
const paused = new Set<number>();
function pause(side: Side): void {
  process.kill(side.pid, 'SIGSTOP');
  paused.add(side.pid);
}
function resume(side: Side): void {
  if (paused.delete(side.pid)) process.kill(side.pid, 'SIGCONT');
}
function resumeAll(): void {
  for (const pid of paused) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Already gone: nothing left to continue.
    }
  }
  paused.clear();
}

/** The processes this run started (API, baseline, generators), stopped by a signal handler that skips the `finally` blocks. */
const started = new Set<ChildProcess>();
function own<T extends ChildProcess>(child: T): T {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}
// Ctrl-C, or a kill / timeout sending SIGTERM or SIGHUP, during a window: a paused child would
// stay stopped (and never act on a signal) and the servers would keep their ports after the run.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => {
    resumeAll();
    for (const child of started) child.kill('SIGTERM');
    process.exit(code);
  });
}

/**
 * Runs one load window on both sides, ROUNDS times, alternating which goes first; the side
 * not under load is paused. Returns each side's results, round by round.
 */
async function paired(
  label: string,
  app: Side,
  base: Side,
  appCfg: Record<string, unknown>,
  baseCfg: Record<string, unknown>,
): Promise<{ app: GenResult[]; baseline: GenResult[] }> {
  const out = { app: [] as GenResult[], baseline: [] as GenResult[] };
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? ([base, app] as const) : ([app, base] as const);
    for (const side of order) {
      const other = side === app ? base : app;
      pause(other);
      try {
        const result = await generate(side === app ? appCfg : baseCfg);
        out[side.name].push(result);
        log(`${label} round ${round} ${side.name} ${JSON.stringify(result)}`);
      } finally {
        resume(other);
      }
    }
  }
  return out;
}

/** Median of a figure over the rounds of each side. */
function medians(
  runs: { app: GenResult[]; baseline: GenResult[] },
  pick: (r: GenResult) => number,
): { app: number; baseline: number; ratios: number[] } {
  return {
    app: median(runs.app.map(pick)),
    baseline: median(runs.baseline.map(pick)),
    ratios: runs.app.map((r, i) => pick(r) / pick(runs.baseline[i]!)),
  };
}

/** Synthetic officers: INDEXED spread over 50 metros (25 km) plus ~600 within 2 km of the dense centre. */
function syntheticOfficers(): Array<{ id: string; lat: number; lng: number }> {
  const r = rng(42);
  const out: Array<{ id: string; lat: number; lng: number }> = [];
  for (let i = 0; i < 600; i++) out.push({ id: randomUUID(), ...around(DENSE, 2_000, r) });
  for (let i = out.length; i < INDEXED; i++)
    out.push({ id: randomUUID(), ...around(METROS[i % METROS.length]!, 25_000, r) });
  return out;
}

function citizenPositions(dense: boolean): Array<{ lat: number; lng: number }> {
  const r = rng(dense ? 7 : 8);
  return Array.from({ length: CITIZENS }, (_, i) =>
    dense ? around(DENSE, 1_500, r) : around(METROS[i % METROS.length]!, 20_000, r),
  );
}

/** Starts the bare socket.io + ioredis server and waits until it listens. */
async function startBaseline(key: string): Promise<ChildProcess> {
  const server = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'bench/connections/baseline-server.ts'],
    {
      env: { ...process.env, NODE_OPTIONS: '', PORT: String(BASE_PORT), REDIS_URL, KEY: key },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    server.once('exit', (code) => reject(new Error(`baseline exited ${code}`)));
  });
  return server;
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const { prefix, env } = benchEnvironment(db, {
    // The per-socket limit (5/s) guards against abusive apps; closed-loop load must not hit it,
    // nor the per-account and per-IP limits (every generator socket comes from 127.0.0.1).
    CONNECTIONS_LOCATION_RATE_PER_S: '10000',
    RATE_LIMITS:
      'connections-nearby=100000000/60,connections-presence=100000000/60,connections-availability=100000000/60,connections-nearby-acks=100000000/60,connections-handshake=100000000/60',
  });
  const work = await mkdtemp(join(tmpdir(), 'heyblue-bench-'));
  const baselineKey = `${prefix}:baseline:geo`;
  const figures: Record<string, number> = {};
  const baseline: Record<string, number> = {};
  const perRound: Record<string, number[]> = {};
  /** Records a figure of both sides (medians of the rounds) and its round-by-round ratios. */
  const record = (
    name: string,
    runs: { app: GenResult[]; baseline: GenResult[] },
    pick: (r: GenResult) => number,
  ): void => {
    const m = medians(runs, pick);
    figures[name] = m.app;
    baseline[name] = m.baseline;
    perRound[name] = m.ratios;
  };
  try {
    log(`issuing ${OFFICERS} officer and ${CITIZENS * 2} citizen sessions`);
    const officers = await issueSessions(env, 'officer', OFFICERS, work);
    // Two groups: one spread over the metros, one in the dense centre (a citizen cannot jump between them).
    const allCitizens = await issueSessions(env, 'citizen', CITIZENS * 2, work);
    const citizens = allCitizens.slice(0, CITIZENS);
    const denseCitizens = allCitizens.slice(CITIZENS);
    const r = rng(1);
    const officerStarts = officers.map((_, i) => around(METROS[i % METROS.length]!, 20_000, r));

    const server = own(await startBaseline(baselineKey));
    const baseUrl = `http://127.0.0.1:${BASE_PORT}`;
    try {
      // ── load windows, app and baseline alternating ─────────────────────────────────
      const api = await startApi(env, API_PORT);
      own(api.child);
      try {
        log('opening availability windows');
        for (let i = 0; i < officers.length; i += 50) {
          await Promise.all(
            officers.slice(i, i + 50).map(async (o, k) => {
              const res = await fetch(`${api.url}/api/v1/connections/availability`, {
                method: 'POST',
                headers: { authorization: `Bearer ${o.accessToken}`, 'content-type': 'application/json' },
                body: JSON.stringify({ ...officerStarts[i + k]!, minutes: 15 }),
              });
              if (res.status !== 201 && res.status !== 200)
                throw new Error(`availability ${res.status} ${await res.text()}`);
            }),
          );
        }
        // Setup leaves a backlog (AccountCreated for every issued account, window events) for the
        // event consumers; measure the hot paths after it drained, as the baseline has none.
        await waitForIdleQueues(api.url);
        const app: Side = { name: 'app', pid: api.child.pid! };
        const base: Side = { name: 'baseline', pid: server.pid! };
        const appLoc = {
          url: api.url,
          tokens: officers.map((o) => o.accessToken),
          positions: officerStarts,
          role: 'officer',
          sockets: OFFICERS,
          durationS: DURATION,
        };
        const baseLoc = { ...appLoc, url: baseUrl, tokens: ['none'] };
        const closed = await paired(
          'location closed loop',
          app,
          base,
          { ...appLoc, mode: 'closed' },
          { ...baseLoc, mode: 'closed' },
        );
        const open = await paired(
          'location open loop',
          app,
          base,
          { ...appLoc, mode: 'open', rate: OPEN_RATE },
          { ...baseLoc, mode: 'open', rate: OPEN_RATE },
        );
        record('location_updates_per_s', closed, (g) => g.perS);
        record('location_ack_p50_ms', open, (g) => g.p50);
        record('location_ack_p99_ms', open, (g) => g.p99);
        figures.location_rejected = closed.app.reduce(
          (sum, g) => sum + Object.values(g.codes).reduce((a, b) => a + b, 0),
          0,
        );

        log(`indexing ${INDEXED} synthetic officers in the baseline's GEO key`);
        const synthetic = syntheticOfficers();
        const redis = new Redis(REDIS_URL);
        try {
          // Only the synthetic officers, as in the app's index (the location windows' sockets added members of their own).
          await redis.del(baselineKey);
          for (let i = 0; i < synthetic.length; i += 5_000) {
            await redis.geoadd(
              baselineKey,
              ...synthetic.slice(i, i + 5_000).flatMap((o) => [o.lng, o.lat, o.id]),
            );
          }
        } finally {
          redis.disconnect();
        }
        /**
         * Writes the synthetic officers through the app's GeoIndex, as their own updates would.
         * Before each nearby window group: the app hides officers not seen for
         * CONNECTIONS_STALE_AFTER_S (120 s), and a group of alternating rounds takes about a minute.
         */
        const indexSynthetic = async (first: boolean): Promise<void> => {
          const started = Date.now();
          const ctx = await NestFactory.createApplicationContext(
            AppModule.forRoot({
              env: {
                ...env,
                OUTBOX_RELAY_ENABLED: 'false',
                EVENT_WORKERS_ENABLED: 'false',
                ETL_WORKER_ENABLED: 'false',
              },
            }),
            { logger: false },
          );
          try {
            const geo = ctx.get(GeoIndex);
            // Like real officers, each has a display name remembered when its window opened.
            const names = ctx.get(RedisDisplayNames);
            for (let i = 0; i < synthetic.length; i += 2_000) {
              await Promise.all(
                synthetic
                  .slice(i, i + 2_000)
                  .flatMap((o, k) => [
                    geo.updateOfficer(o.id, o, first ? null : geo.grid.cellOf(o)),
                    first ? names.remember(o.id, `Officer ${i + k}`) : undefined,
                  ]),
              );
            }
          } finally {
            await ctx.close();
          }
          log(
            `${first ? 'indexed' : 'refreshed'} ${synthetic.length} synthetic officers through the app's GeoIndex in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          );
        };
        await indexSynthetic(true);
        await waitForIdleQueues(api.url);
        const appCit = {
          url: api.url,
          tokens: citizens.map((c) => c.accessToken),
          role: 'citizen',
          expectNearby: true,
          sockets: CITIZENS,
          durationS: DURATION,
        };
        const baseCit = { ...appCit, url: baseUrl, tokens: ['none'] };
        const spread = citizenPositions(false);
        const dense = citizenPositions(true);
        const denseTokens = denseCitizens.map((c) => c.accessToken);
        const nearClosed = await paired(
          'nearby closed loop',
          app,
          base,
          { ...appCit, positions: spread, mode: 'closed' },
          { ...baseCit, positions: spread, mode: 'closed' },
        );
        await indexSynthetic(false);
        const nearOpen = await paired(
          'nearby open loop',
          app,
          base,
          { ...appCit, positions: spread, mode: 'open', rate: OPEN_RATE },
          { ...baseCit, positions: spread, mode: 'open', rate: OPEN_RATE },
        );
        await indexSynthetic(false);
        const denseOpen = await paired(
          'dense nearby open loop',
          app,
          base,
          { ...appCit, tokens: denseTokens, positions: dense, mode: 'open', rate: OPEN_RATE },
          { ...baseCit, positions: dense, mode: 'open', rate: OPEN_RATE },
        );
        // A window is only a search benchmark while the app finds what the baseline finds (fresh officers).
        for (const [label, runs] of [
          ['nearby closed loop', nearClosed],
          ['nearby open loop', nearOpen],
          ['dense nearby open loop', denseOpen],
        ] as const) {
          const app = median(runs.app.map((g) => g.avgNearby));
          const base = median(runs.baseline.map((g) => g.avgNearby));
          if (runs.app.some((g) => g.avgNearby < 0.8 * base))
            throw new Error(
              `${label}: the app answered ${app.toFixed(2)} officers per query against the baseline's ${base.toFixed(2)}`,
            );
        }
        record('nearby_per_s', nearClosed, (g) => g.perS);
        record('nearby_p50_ms', nearOpen, (g) => g.p50);
        record('nearby_p99_ms', nearOpen, (g) => g.p99);
        record('nearby_dense_p99_ms', denseOpen, (g) => g.p99);
        figures.nearby_dense_avg_results = median(denseOpen.app.map((g) => g.avgNearby));

        let n = 0;
        // Nearby answers only around the caller's own fresh position: each citizen shares one first
        // (where the socket phases left it, so the speed check passes).
        const restPositions = citizenPositions(false);
        for (let i = 0; i < citizens.length; i += 50) {
          await Promise.all(
            citizens.slice(i, i + 50).map(async (c, k) => {
              const res = await fetch(`${api.url}/api/v1/connections/presence`, {
                method: 'POST',
                headers: { authorization: `Bearer ${c.accessToken}`, 'content-type': 'application/json' },
                body: JSON.stringify(restPositions[(i + k) % restPositions.length]),
              });
              if (res.status !== 200) throw new Error(`presence ${res.status} ${await res.text()}`);
            }),
          );
        }
        pause(base);
        try {
          const rest = await load({
            url: api.url,
            duration: DURATION,
            requests: [
              {
                method: 'GET',
                setupRequest: (req) => {
                  const token = citizens[n++ % citizens.length]!.accessToken;
                  return {
                    ...req,
                    path: '/api/v1/connections/nearby',
                    headers: { ...req.headers, authorization: `Bearer ${token}` },
                  };
                },
              },
            ],
          });
          log(`app REST nearby ${JSON.stringify(rest)}`);
          figures.rest_nearby_rps = rest.rps;
          figures.rest_nearby_p99_ms = rest.p99;
          figures.rest_nearby_errors = rest.errors + rest.non2xx;
        } finally {
          resume(base);
        }
      } finally {
        resumeAll();
        await api.stop();
      }

      // ── memory per idle socket ──────────────────────────────────────────────────────
      // On a fresh API process, like the baseline's: after the load phases the app's heap holds
      // garbage that a collection may free while the idle sockets connect (RSS then shrank by
      // more than the sockets took, a negative figure).
      const fresh = await startApi(env, API_PORT);
      own(fresh.child);
      try {
        await waitForIdleQueues(fresh.url);
        await settle();
        const before = await rssBytes(fresh.child.pid!);
        const idle = await hold({
          url: fresh.url,
          tokens: [...officers, ...allCitizens].map((o) => o.accessToken),
          positions: officerStarts,
          sockets: IDLE,
        });
        await settle();
        const after = await rssBytes(fresh.child.pid!);
        await idle.release();
        figures.kb_per_socket = (after - before) / 1024 / IDLE;
        log(
          `app RSS ${Math.round(before / 1048576)} → ${Math.round(after / 1048576)} MiB with ${IDLE} idle sockets`,
        );
      } finally {
        await fresh.stop();
      }
      await settle();
      const before = await rssBytes(server.pid!);
      const idle = await hold({
        url: baseUrl,
        tokens: ['none'],
        positions: officerStarts,
        sockets: IDLE,
        role: 'officer',
      });
      await settle();
      const after = await rssBytes(server.pid!);
      await idle.release();
      baseline.kb_per_socket = (after - before) / 1024 / IDLE;
    } finally {
      resumeAll();
      server.kill('SIGTERM');
    }

    for (const [name, ratios] of Object.entries(perRound))
      log(`${name}: app / baseline by round ${ratios.map((x) => x.toFixed(2)).join(', ')}`);
    figures.rounds = ROUNDS;
    printResult('connections', figures, baseline, {
      location_throughput: figures.location_updates_per_s! / baseline.location_updates_per_s!,
      location_p99: figures.location_ack_p99_ms! / baseline.location_ack_p99_ms!,
      nearby_throughput: figures.nearby_per_s! / baseline.nearby_per_s!,
      nearby_p99: figures.nearby_p99_ms! / baseline.nearby_p99_ms!,
      nearby_dense_p99: figures.nearby_dense_p99_ms! / baseline.nearby_dense_p99_ms!,
      kb_per_socket: figures.kb_per_socket! / baseline.kb_per_socket!,
    });
  } finally {
    await db.drop();
    await dropRedisPrefix(prefix);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
process.exit(0);

// bench:sockets — how many authenticated sockets one API instance holds, next to the bare
// socket.io + ioredis server of bench:connections at the same socket count in the same run:
//   1. opens BENCH_SOCKETS (50000) sockets on /connections (officers with an open window and
//      citizens, from `session:issue`; several sockets per account, CONNECTIONS_MAX_SOCKETS_PER_ACCOUNT
//      raised for the bench) from forked client workers: handshakes/s, and RSS growth per socket;
//   2. while they are all held, drives BENCH_UPDATES_PER_S (2000) location updates a second
//      across them for BENCH_DURATION_S (30) (open loop): ack p50/p99 and the event-loop delay
//      p99 (the app's prom-client gauge on /metrics, the baseline's own monitor, both 10 ms
//      resolution, reset just before the window).
// The baseline side runs first, then the app; the side not measured is paused (SIGSTOP). One
// round each: holding the sockets is the expensive part.
// Limits: each side's sockets come from their own loopback source addresses (127.0.0.2, …),
// as many as the ephemeral port range needs; the run re-executes itself under `ulimit -n` high
// enough for the API to hold every socket (children inherit it), and stops with a clear message
// when the hard limit does not allow it.
// Sizes: BENCH_SOCKETS (50000), BENCH_UPDATES_PER_S (2000), BENCH_DURATION_S (30),
// BENCH_SOCKET_WORKERS (one client process per 12,500 sockets, at least 2),
// BENCH_HANDSHAKES_IN_FLIGHT (200, over all workers); ports BENCH_SOCKETS_API_PORT (3330) and
// BENCH_SOCKETS_BASELINE_PORT (API port + 1).
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchEnvironment,
  createBenchDatabase,
  dropRedisPrefix,
  issueSessions,
  printResult,
  REDIS_URL,
  rssBytes,
  startApi,
  waitForIdleQueues,
  type IssuedSession,
} from '../support/harness.js';
import { around, METROS, rng } from '../connections/metros.js';
import type { Command, ConnectCommand, Reply } from './client.js';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 50_000);
const UPDATES_PER_S = Number(process.env.BENCH_UPDATES_PER_S ?? 2000);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 30);
const WORKERS = Number(process.env.BENCH_SOCKET_WORKERS ?? Math.max(2, Math.ceil(SOCKETS / 12_500)));
const IN_FLIGHT = Number(process.env.BENCH_HANDSHAKES_IN_FLIGHT ?? 200);
const API_PORT = Number(process.env.BENCH_SOCKETS_API_PORT ?? 3330);
const BASE_PORT = Number(process.env.BENCH_SOCKETS_BASELINE_PORT ?? API_PORT + 1);
/** Sockets per account (CONNECTIONS_MAX_SOCKETS_PER_ACCOUNT is set to 100, its maximum: room for overlap). */
const PER_ACCOUNT = 50;
const log = (line: string) => process.stderr.write(`[bench:sockets] ${line}\n`);

/** The soft limit of open files of this process (Linux /proc). */
function openFilesLimit(): number {
  const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  return line === 'unlimited' ? Infinity : Number(line);
}

// Every socket is a file descriptor in the API (and in a client worker): re-execute under a
// higher limit when needed (root may raise the hard limit too), once.
const NEED_FILES = SOCKETS + 10_000;
if (openFilesLimit() < NEED_FILES) {
  if (process.env.BENCH_SOCKETS_ULIMIT_RAISED)
    throw new Error(`open files limit ${openFilesLimit()} < ${NEED_FILES} needed`);
  log(`raising the open files limit from ${openFilesLimit()} to ${NEED_FILES}`);
  const again = spawnSync(
    '/bin/sh',
    [
      '-c',
      `ulimit -n ${NEED_FILES} || { echo "bench:sockets needs ulimit -n ${NEED_FILES} (raise the hard limit, or lower BENCH_SOCKETS)" >&2; exit 1; }; exec "$@"`,
      'sh',
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit', env: { ...process.env, BENCH_SOCKETS_ULIMIT_RAISED: '1' } },
  );
  process.exit(again.status ?? 1);
}

/** Source addresses per side: each one has the whole ephemeral port range; keep each half full at most. */
function sourceAddresses(side: number): string[] {
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  const perAddress = Math.floor((hi! - lo! + 1) / 2);
  const count = Math.ceil(SOCKETS / perAddress);
  if (2 + (side + 1) * count > 255) throw new Error('too many sockets for 127.0.0.x source addresses');
  return Array.from({ length: count }, (_, i) => `127.0.0.${2 + side * count + i}`);
}

const settle = () => new Promise((r) => setTimeout(r, 3_000));

/** The processes this run started, stopped (and continued first, if paused) on a signal. */
const started = new Set<ChildProcess>();
function own<T extends ChildProcess>(child: T): T {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}
const paused = new Set<number>();
const pause = (pid: number) => void (process.kill(pid, 'SIGSTOP'), paused.add(pid));
const resume = (pid: number) => void (paused.delete(pid) && process.kill(pid, 'SIGCONT'));
function resumeAll(): void {
  for (const pid of paused) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
  }
  paused.clear();
}
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

/** A forked client worker with a request/answer helper over IPC. */
interface Worker {
  child: ChildProcess;
  ready: Promise<unknown>;
  ask<T extends Reply['type']>(cmd: Command, answer: T): Promise<Extract<Reply, { type: T }>>;
}
function forkWorker(): Worker {
  const child = own(
    fork('bench/sockets/client.ts', [], {
      execArgv: ['--import', '@swc-node/register/esm-register'],
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  return {
    child,
    ready: new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`client worker exited ${code}`)));
    }),
    ask: (cmd, answer) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`client worker exited ${code}`));
        child.once('exit', onExit);
        child.on('message', function onMessage(m: Reply) {
          if (m.type !== answer) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(m as never);
        });
        child.send(cmd);
      }),
  };
}

const pct = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;

interface SideFigures {
  sockets: number;
  kb_per_socket: number;
  handshakes_per_s: number;
  ack_p50_ms: number;
  ack_p99_ms: number;
  event_loop_delay_p99_ms: number;
  ack_errors: number;
}

/**
 * One side: opens every socket from the workers, holds them, drives the updates, closes them.
 * `loopDelayP99` reads the side's event-loop delay p99 (ms) since its previous call.
 */
async function measure(
  name: string,
  pid: number,
  url: string,
  plan: ConnectCommand['sockets'],
  loopDelayP99: () => Promise<number>,
): Promise<SideFigures> {
  await settle();
  const before = await rssBytes(pid);
  const workers = Array.from({ length: WORKERS }, forkWorker);
  try {
    await Promise.all(workers.map((w) => w.ready));
    const t0 = performance.now();
    const connected = await Promise.all(
      workers.map((w, k) =>
        w.ask(
          {
            type: 'connect',
            url,
            sockets: plan.filter((_, i) => i % WORKERS === k),
            inFlight: Math.max(1, Math.round(IN_FLIGHT / WORKERS)),
          },
          'connected',
        ),
      ),
    );
    const connectS = (performance.now() - t0) / 1000;
    const sockets = connected.reduce((a, c) => a + c.connected, 0);
    const failed = connected.reduce((a, c) => a + c.failed, 0);
    log(
      `${name}: ${sockets} sockets open in ${connectS.toFixed(1)} s` +
        (failed ? `, ${failed} failed ${JSON.stringify(connected.map((c) => c.errors))}` : ''),
    );
    if (failed > 0) throw new Error(`${name}: ${failed} of ${plan.length} handshakes failed`);
    await settle();
    const after = await rssBytes(pid);
    log(`${name}: RSS ${Math.round(before / 1048576)} → ${Math.round(after / 1048576)} MiB`);
    await loopDelayP99();
    const driven = await Promise.all(
      workers.map((w) =>
        w.ask({ type: 'drive', rate: UPDATES_PER_S / WORKERS, durationS: DURATION }, 'driven'),
      ),
    );
    const loop = await loopDelayP99();
    const latencies = driven.flatMap((d) => d.latencies).sort((a, b) => a - b);
    const codes: Record<string, number> = {};
    for (const d of driven) for (const [k, v] of Object.entries(d.codes)) codes[k] = (codes[k] ?? 0) + v;
    log(
      `${name}: ${latencies.length} acks in ${DURATION} s, rejected/timed out ${JSON.stringify(codes)}, event-loop p99 ${loop.toFixed(1)} ms`,
    );
    return {
      sockets,
      kb_per_socket: (after - before) / 1024 / sockets,
      handshakes_per_s: sockets / connectS,
      ack_p50_ms: pct(latencies, 0.5),
      ack_p99_ms: pct(latencies, 0.99),
      event_loop_delay_p99_ms: loop,
      ack_errors: Object.values(codes).reduce((a, b) => a + b, 0),
    };
  } finally {
    for (const w of workers) if (w.child.connected) w.child.send({ type: 'close' } satisfies Command);
    await Promise.all(
      workers.map((w) => (w.child.exitCode === null ? new Promise((r) => w.child.once('exit', r)) : null)),
    );
  }
}

async function startBaseline(key: string): Promise<ChildProcess> {
  const server = own(
    spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'bench/connections/baseline-server.ts'],
      {
        env: { ...process.env, NODE_OPTIONS: '', PORT: String(BASE_PORT), REDIS_URL, KEY: key },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    server.once('exit', (code) => reject(new Error(`baseline exited ${code}`)));
  });
  return server;
}

/** prom-client's `nodejs_eventloop_lag_p99_seconds` (its histogram is reset on every scrape). */
async function appLoopDelayP99(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const seconds = /^heyblue_nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1];
  if (seconds === undefined) throw new Error('no heyblue_nodejs_eventloop_lag_p99_seconds on /metrics');
  return Number(seconds) * 1000;
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const { prefix, env } = benchEnvironment(db, {
    CONNECTIONS_MAX_SOCKETS_PER_ACCOUNT: '100',
    CONNECTIONS_LOCATION_RATE_PER_S: '10000',
    RATE_LIMITS:
      'connections-nearby=100000000/60,connections-presence=100000000/60,connections-availability=100000000/60,connections-nearby-acks=100000000/60,connections-handshake=100000000/60',
  });
  const work = await mkdtemp(join(tmpdir(), 'heyblue-bench-'));
  try {
    const accounts = Math.max(2, Math.ceil(SOCKETS / PER_ACCOUNT));
    const officerCount = Math.ceil(accounts / 2);
    log(
      `issuing ${officerCount} officer and ${accounts - officerCount} citizen sessions for ${SOCKETS} sockets`,
    );
    const officers = await issueSessions(env, 'officer', officerCount, work);
    const citizens = await issueSessions(env, 'citizen', accounts - officerCount, work);
    const r = rng(3);
    const people: Array<{ session: IssuedSession; role: 'officer' | 'citizen'; lat: number; lng: number }> = [
      ...officers.map((session) => ({ session, role: 'officer' as const })),
      ...citizens.map((session) => ({ session, role: 'citizen' as const })),
    ].map((p, i) => ({ ...p, ...around(METROS[i % METROS.length]!, 20_000, r) }));

    // Officers' updates need an open window; opened by a setup API, the windows live in Redis.
    const setup = own((await startApi(env, API_PORT)).child);
    try {
      const url = `http://127.0.0.1:${API_PORT}`;
      const officerPeople = people.filter((p) => p.role === 'officer');
      // A few at a time, and a 503 (a dependency slow on a busy machine) retried: setup, not measured.
      for (let i = 0; i < officerPeople.length; i += 10) {
        await Promise.all(
          officerPeople.slice(i, i + 10).map(async (o) => {
            for (let attempt = 1; ; attempt++) {
              const res = await fetch(`${url}/api/v1/connections/availability`, {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${o.session.accessToken}`,
                  'content-type': 'application/json',
                },
                body: JSON.stringify({ lat: o.lat, lng: o.lng, minutes: 15 }),
              });
              if (res.status === 201 || res.status === 200) return;
              if (res.status !== 503 || attempt === 5)
                throw new Error(`availability ${res.status} ${await res.text()}`);
              await new Promise((r) => setTimeout(r, 1_000));
            }
          }),
        );
      }
      await waitForIdleQueues(url);
    } finally {
      setup.kill('SIGTERM');
      await new Promise((r) => setup.once('exit', r));
    }

    const plan = (addresses: string[], withTokens: boolean): ConnectCommand['sockets'] =>
      Array.from({ length: SOCKETS }, (_, i) => {
        const p = people[i % people.length]!;
        return {
          token: withTokens ? p.session.accessToken : 'none',
          role: p.role,
          lat: p.lat,
          lng: p.lng,
          localAddress: addresses[i % addresses.length]!,
        };
      });

    const server = await startBaseline(`${prefix}:baseline:geo`);
    // A fresh API process, as deployed, with nothing from the setup on its heap.
    const api = await startApi(env, API_PORT);
    own(api.child);
    let base: SideFigures;
    let app: SideFigures;
    try {
      await waitForIdleQueues(api.url);
      pause(api.child.pid!);
      try {
        base = await measure(
          'baseline',
          server.pid!,
          `http://127.0.0.1:${BASE_PORT}`,
          plan(sourceAddresses(0), false),
          async () =>
            ((await (await fetch(`http://127.0.0.1:${BASE_PORT}/eventloop`)).json()) as { p99Ms: number })
              .p99Ms,
        );
      } finally {
        resume(api.child.pid!);
      }
      pause(server.pid!);
      try {
        app = await measure('app', api.child.pid!, api.url, plan(sourceAddresses(1), true), () =>
          appLoopDelayP99(api.url),
        );
      } finally {
        resume(server.pid!);
      }
    } finally {
      resumeAll();
      await api.stop();
      server.kill('SIGTERM');
    }

    printResult(
      'sockets',
      { ...app, updates_per_s: UPDATES_PER_S, duration_s: DURATION },
      { ...base },
      {
        kb_per_socket: app.kb_per_socket / base.kb_per_socket,
        handshakes_per_s: app.handshakes_per_s / base.handshakes_per_s,
        ack_p99: app.ack_p99_ms / base.ack_p99_ms,
        event_loop_delay_p99: app.event_loop_delay_p99_ms / base.event_loop_delay_p99_ms,
      },
    );
  } finally {
    await db.drop();
    await dropRedisPrefix(prefix);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
process.exit(0);

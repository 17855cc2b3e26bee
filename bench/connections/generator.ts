// Load generator for bench:connections, run as its own process so it never shares a core's
// event loop with the server under test. Config: a JSON file named in argv[2]; the result is one
// JSON line on stdout. Modes: closed (each socket sends its next update when the previous is
// acked), open (a fixed total rate spread over the sockets), idle (connect and hold).
import { readFileSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import { connectSocket } from '../support/socket.js';

interface Config {
  url: string;
  tokens: string[];
  sockets: number;
  mode: 'closed' | 'open' | 'idle';
  rate?: number;
  durationS: number;
  /** Start positions, cycled over sockets. */
  positions: Array<{ lat: number; lng: number }>;
  /** Sent in the handshake beside the token (the baseline server reads it). */
  role?: 'officer' | 'citizen';
  /** Extra ack field to count (e.g. `nearby`). */
  expectNearby?: boolean;
}

// argv[2] is the path of a JSON config file (thousands of tokens do not fit in argv).
const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Config;
const sockets: Socket[] = [];
const latencies: number[] = [];
/** Open loop: each ack's latency by the second (since the loop started) its message was sent. */
const bySecond: number[][] = [];
let loopStarted = 0;
const codes: Record<string, number> = {};
let acks = 0;
let nearbyTotal = 0;
let running = true;

function connect(i: number): Promise<Socket> {
  return connectSocket(cfg.url, cfg.tokens[i % cfg.tokens.length]!, { auth: { role: cfg.role } });
}

function send(s: Socket, i: number, step: number): Promise<void> {
  const p = cfg.positions[i % cfg.positions.length]!;
  // Alternate between two points ~10 m apart: always a plausible move.
  const lat = p.lat + (step % 2) * 0.0001;
  const started = performance.now();
  return new Promise((resolve) => {
    s.timeout(10_000).emit(
      'location',
      { lat, lng: p.lng },
      (err: Error | null, ack?: { ok: boolean; code?: string; nearby?: unknown[] }) => {
        if (err || !ack) codes.TIMEOUT = (codes.TIMEOUT ?? 0) + 1;
        else if (!ack.ok) codes[ack.code ?? 'UNKNOWN'] = (codes[ack.code ?? 'UNKNOWN'] ?? 0) + 1;
        else {
          acks += 1;
          if (cfg.expectNearby && Array.isArray(ack.nearby)) nearbyTotal += ack.nearby.length;
          if (cfg.mode === 'open') {
            const ms = performance.now() - started;
            latencies.push(ms);
            (bySecond[Math.floor((started - loopStarted) / 1000)] ??= []).push(ms);
          }
        }
        resolve();
      },
    );
  });
}

async function main(): Promise<void> {
  for (let i = 0; i < cfg.sockets; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, cfg.sockets - i) }, (_, k) => connect(i + k)),
    );
    sockets.push(...batch);
  }
  if (cfg.mode === 'idle') {
    process.stdout.write(JSON.stringify({ connected: sockets.length }) + '\n');
    process.once('SIGTERM', () => process.exit(0));
    setInterval(() => undefined, 60_000);
    return;
  }
  const started = performance.now();
  loopStarted = started;
  const endAt = Date.now() + cfg.durationS * 1000;
  if (cfg.mode === 'closed') {
    await Promise.all(
      sockets.map(async (s, i) => {
        for (let step = 0; running && Date.now() < endAt; step++) await send(s, i, step);
      }),
    );
  } else {
    const rate = cfg.rate ?? 1000;
    const pending: Promise<void>[] = [];
    let n = 0;
    // Send in 10 ms ticks so the offered rate is steady whatever the acks do.
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        if (Date.now() >= endAt) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor(((performance.now() - started) / 1000) * rate) - n;
        for (let k = 0; k < due; k++, n++)
          pending.push(send(sockets[n % sockets.length]!, n % sockets.length, n));
      }, 10);
    });
    await Promise.all(pending);
  }
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (xs: number[], q: number) =>
    xs.length ? xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : 0;
  // Where the tail sits in time (a connection burst, a collection, the machine): p99 of each second.
  const p99BySecond = bySecond.map(
    (xs) =>
      Math.round(
        pct(
          xs.sort((a, b) => a - b),
          0.99,
        ) * 10,
      ) / 10,
  );
  process.stdout.write(
    JSON.stringify({
      acks,
      perS: acks / elapsedS,
      p50: pct(latencies, 0.5),
      p99: pct(latencies, 0.99),
      codes,
      avgNearby: acks ? nearbyTotal / acks : 0,
      elapsedS,
      p99BySecond,
    }) + '\n',
  );
  running = false;
  for (const s of sockets) s.disconnect();
  process.exit(0);
}

main().catch((err: Error) => {
  process.stderr.write(`generator failed: ${err.message}\n`);
  process.exit(1);
});

// bench:push — push latency under the demo's default load (issue #21): event commit → receipt at
// a provider. Local fakes speak the providers' protocols (FCM HTTP v1 with its OAuth2 token
// endpoint, APNs over HTTP/2 with a checked JWT: test/support/fake-push.ts); the built API is
// pointed at them exactly as the push e2e tests point the app (PUSH_ADAPTER=providers, FCM_*,
// APNS_*). The demo (scripts/demo/demo.ts) runs at its defaults (officers, citizens, rate) with one
// push device per session, for --duration seconds (default 120).
//
// Latency of one push = the fake's receipt time − created_at of the causing outbox row (the
// PushDue row, written in the transaction of the change that causes it; notifications_push.event_id
// is its id). Receipts are matched to push rows by device token and message. Baseline, same run:
// the bare round trip of one send straight to each fake with the server's own senders (the same
// fetch and HTTP/2 clients), so the figures show what outbox → relay → fan-out → queue adds.
// Flags: --duration <s> (default 120), --officers, --citizens, --rate (default: the demo's).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { ApnsSender } from '../../libs/notifications/src/infrastructure/providers/apns.sender.js';
import {
  FcmSender,
  parseServiceAccount,
} from '../../libs/notifications/src/infrastructure/providers/fcm.sender.js';
import { DEFAULTS, runDemo } from '../../scripts/demo/demo.js';
import { FakeApns, FakeFcm, pushEnv, type ReceivedPush } from '../../test/support/fake-push.js';
import {
  benchEnvironment,
  createBenchDatabase,
  dropRedisPrefix,
  printResult,
  startApi,
  type ApiProcess,
} from '../support/harness.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '120' },
    officers: { type: 'string', default: String(DEFAULTS.officers) },
    citizens: { type: 'string', default: String(DEFAULTS.citizens) },
    rate: { type: 'string', default: String(DEFAULTS.rate) },
    'baseline-sends': { type: 'string', default: '300' },
  },
});
const DURATION_S = Number(flags.duration);
const BASELINE_SENDS = Number(flags['baseline-sends']);
const PORT = 3331;
const log = (line: string) => process.stderr.write(`[bench:push] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of sorted values (NaN for none). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The key a receipt and a push row share: the device token and what the phone gets. */
const keyOf = (token: string, data: Record<string, string>) =>
  `${token}|${JSON.stringify(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)))}`;

const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;

const load = { start: loadavg()[0]! };
const [fcm, apns] = await Promise.all([FakeFcm.start(), FakeApns.start()]);
const db = await createBenchDatabase();
const { prefix, env } = benchEnvironment(db, {
  ...pushEnv(fcm, apns),
  TRUST_PROXY: 'loopback',
});
let api: ApiProcess | undefined;
const pool = new pg.Pool({ connectionString: db.url, max: 2 });

try {
  api = await startApi(env, PORT);
  log(
    `API on ${api.url} with the FCM fake at ${fcm.url} and the APNs fake at ${apns.url}; demo for ${DURATION_S} s`,
  );
  const demo = await runDemo({
    url: api.url,
    officers: Number(flags.officers),
    citizens: Number(flags.citizens),
    rate: Number(flags.rate),
    durationS: DURATION_S,
    devices: true,
    cliEnv: env,
  });
  log(`demo: ${demo.summary}; ${demo.stats.devices} devices; errors ${demo.stats.errors}`);

  // Every push row settled (sent, or given up): at most 60 s after the demo's own drain check.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM notifications_push WHERE status IN ('pending', 'sending', 'failed'))
            + (SELECT count(*) FROM platform_outbox_event WHERE type = 'notifications.PushDue' AND dispatched_at IS NULL) AS n`,
    );
    if (Number(rows[0]!.n) === 0) break;
    if (Date.now() > deadline) {
      log(`${rows[0]!.n} pushes still unsettled after 60 s: counted as failed`);
      break;
    }
    await sleep(500);
  }
  const loadEnd = loadavg()[0]!;

  const { rows } = await pool.query<{
    status: string;
    token: string | null;
    message: { type: string; data: Record<string, string> };
    committed_ms: string;
  }>(
    `SELECT p.status, d.token, p.message, (extract(epoch FROM o.created_at) * 1000)::bigint::text AS committed_ms
       FROM notifications_push p
       JOIN platform_outbox_event o ON o.id = p.event_id
       LEFT JOIN notifications_device d ON d.id = p.device_id
      ORDER BY o.created_at`,
  );
  const receipts = new Map<string, ReceivedPush[]>();
  for (const r of [...fcm.received, ...apns.received].sort((a, b) => a.at - b.at)) {
    const k = keyOf(r.token, r.data);
    receipts.set(k, [...(receipts.get(k) ?? []), r]);
  }
  const all: number[] = [];
  const byKind = new Map<string, number[]>();
  let failed = 0;
  let unmatched = 0;
  for (const row of rows) {
    if (row.status !== 'sent' || !row.token) {
      failed += 1;
      continue;
    }
    const r = receipts.get(keyOf(row.token, row.message.data))?.shift();
    if (!r) {
      unmatched += 1;
      continue;
    }
    const ms = r.at - Number(row.committed_ms);
    all.push(ms);
    byKind.set(row.message.type, [...(byKind.get(row.message.type) ?? []), ms]);
  }
  all.sort((a, b) => a - b);
  for (const v of byKind.values()) v.sort((a, b) => a - b);

  await api.stop();
  api = undefined;

  // ── baseline: one send straight to each fake, with the server's senders ─────────────
  const fcmSender = new FcmSender(fcm.projectId, parseServiceAccount(fcm.serviceAccountJson()), fcm.url);
  const apnsSender = new ApnsSender({
    key: apns.keyPem,
    keyId: apns.keyId,
    teamId: apns.teamId,
    topic: apns.topic,
    baseUrl: apns.url,
    ca: apns.certPem,
  });
  const message = {
    type: 'connection.requested' as const,
    title: 'Connection request',
    body: 'Someone nearby asked to connect with you.',
    data: { type: 'connection.requested', requestId: '00000000-0000-4000-8000-000000000000' },
  };
  const bare = async (send: (token: string) => Promise<void>, token: () => string): Promise<number[]> => {
    await send(token()); // the access token / HTTP/2 connection, as a running server already has them
    const out: number[] = [];
    for (let i = 0; i < BASELINE_SENDS; i++) {
      const t0 = performance.now();
      await send(token());
      out.push(performance.now() - t0);
    }
    return out.sort((a, b) => a - b);
  };
  const signal = () => AbortSignal.timeout(5_000);
  const fcmBare = await bare((t) => fcmSender.send(t, message, signal()), fcmToken);
  const apnsBare = await bare((t) => apnsSender.send(t, message, signal()), apnsToken);
  await apnsSender.close();
  const bothBare = [...fcmBare, ...apnsBare].sort((a, b) => a - b);

  const kinds = [...byKind.keys()].sort();
  log(
    `pushes ${all.length} (failed ${failed}, unmatched ${unmatched}); latency p50 ${percentile(all, 50)} ms, p99 ${percentile(all, 99)} ms`,
  );
  for (const k of kinds) {
    const v = byKind.get(k)!;
    log(`  ${k}: ${v.length}, p50 ${percentile(v, 50)} ms, p99 ${percentile(v, 99)} ms`);
  }
  log(
    `bare send: FCM p50 ${percentile(fcmBare, 50).toFixed(2)} ms p99 ${percentile(fcmBare, 99).toFixed(2)} ms; ` +
      `APNs p50 ${percentile(apnsBare, 50).toFixed(2)} ms p99 ${percentile(apnsBare, 99).toFixed(2)} ms`,
  );
  log(`load average (1 min): ${load.start.toFixed(2)} at the start, ${loadEnd.toFixed(2)} after the load`);

  const figures: Record<string, number> = {
    pushes: all.length,
    failed: failed + unmatched,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    devices: demo.stats.devices,
    demoErrors: demo.stats.errors,
    demoOperations: demo.stats.operations,
    loadAvgStart: load.start,
    loadAvgEnd: loadEnd,
  };
  for (const k of kinds) {
    const v = byKind.get(k)!;
    figures[`${k}.pushes`] = v.length;
    figures[`${k}.p50Ms`] = percentile(v, 50);
    figures[`${k}.p99Ms`] = percentile(v, 99);
  }
  printResult(
    'push',
    figures,
    {
      bareSendP50Ms: percentile(bothBare, 50),
      bareSendP99Ms: percentile(bothBare, 99),
      fcmBareP50Ms: percentile(fcmBare, 50),
      fcmBareP99Ms: percentile(fcmBare, 99),
      apnsBareP50Ms: percentile(apnsBare, 50),
      apnsBareP99Ms: percentile(apnsBare, 99),
    },
    {
      p50VsBareSend: percentile(all, 50) / percentile(bothBare, 50),
      p99VsBareSend: percentile(all, 99) / percentile(bothBare, 99),
    },
  );
  if (all.length === 0) process.exitCode = 1;
} finally {
  await api?.stop();
  await pool.end();
  await Promise.all([fcm.close(), apns.close()]);
  await db.drop().catch(() => undefined);
  await dropRedisPrefix(prefix).catch(() => undefined);
}

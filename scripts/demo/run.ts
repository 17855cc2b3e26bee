// `npm run demo [-- --officers 200 --citizens 2000 --rate 200 --duration 0 --devices --url http://127.0.0.1:3000]`
// Uses the API answering at --url, or starts the built API there in development mode (and
// stops it at the end). Ctrl-C stops the simulation cleanly; the exit code is 1 when setup
// failed or the share of failed operations went over --max-error-rate.
import 'dotenv/config';
import { spawnSync } from 'node:child_process';
import { Command, InvalidArgumentError } from 'commander';
import { startApi, type ApiProcess } from '../../bench/support/harness.js';
import { DEFAULTS, runDemo } from './demo.js';

const log = (line: string) => process.stderr.write(`[demo] ${line}\n`);

const int = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
};

const program = new Command('demo')
  .description('simulate officers and citizens in three cities against the API (development mode)')
  .option(
    '--url <url>',
    'API base URL (127.0.0.1 only); started here in development mode if nothing answers',
    `http://127.0.0.1:${process.env.PORT ?? 3000}`,
  )
  .option('--officers <n>', 'officers (session:issue --role officer)', int, DEFAULTS.officers)
  .option('--citizens <n>', 'citizens (session:issue --role citizen)', int, DEFAULTS.citizens)
  .option('--rate <n>', 'location updates per second over all sockets', int, DEFAULTS.rate)
  .option('--duration <s>', 'seconds to run (0: until Ctrl-C)', int, DEFAULTS.durationS)
  .option(
    '--cities <names>',
    'comma-separated: New York, Chicago, Los Angeles',
    'New York,Chicago,Los Angeles',
  )
  .option('--devices', 'register one push device per officer and citizen (half FCM, half APNs) first', false)
  .option(
    '--max-error-rate <share>',
    'exit 1 when errors / operations exceed this',
    String(DEFAULTS.maxErrorRate),
  )
  .parse();

const opts = program.opts<{
  url: string;
  officers: number;
  citizens: number;
  rate: number;
  duration: number;
  cities: string;
  devices: boolean;
  maxErrorRate: string;
}>();

async function ready(url: string): Promise<boolean> {
  return fetch(`${url}/api/v1/health/ready`, { signal: AbortSignal.timeout(3_000) }).then(
    (r) => r.ok,
    () => false,
  );
}

async function main(): Promise<number> {
  const url = new URL(opts.url);
  const abort = new AbortController();
  let firstStopAt = 0;
  const onSignal = () => {
    // `npm run` forwards the terminal's SIGINT to us, which already got it as part of the
    // foreground process group: a repeat within a second is the same Ctrl-C.
    if (firstStopAt > 0 && Date.now() - firstStopAt < 1_000) return;
    if (firstStopAt > 0) {
      log('second interrupt: exiting now');
      process.exit(130);
    }
    firstStopAt = Date.now();
    log('interrupted: stopping cleanly (Ctrl-C again to exit at once)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // The sessions come from the built ops CLI and a started API runs from dist: build once if sources changed.
  const build = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');

  let api: ApiProcess | undefined;
  if (!(await ready(url.origin))) {
    if (!['127.0.0.1', 'localhost'].includes(url.hostname))
      throw new Error(`nothing answers at ${url.origin} and the demo only starts an API on 127.0.0.1`);
    log(`no API at ${url.origin}: starting one in development mode`);
    // A SIGINT from the terminal reaches the whole process group; the demo stops the API itself, after closing windows.
    api = await startApi(
      { NODE_ENV: 'development', HEYBLUE_DEV_MODE: 'true', TRUST_PROXY: 'loopback' },
      Number(url.port || 80),
      { detached: true },
    );
    const child = api.child;
    process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  } else {
    log(`using the API at ${url.origin}`);
  }
  try {
    const result = await runDemo({
      url: url.origin,
      officers: opts.officers,
      citizens: opts.citizens,
      rate: opts.rate,
      durationS: opts.duration,
      cities: opts.cities.split(',').filter((c) => c.trim()),
      maxErrorRate: Number(opts.maxErrorRate),
      devices: opts.devices,
      signal: abort.signal,
    });
    const { stats } = result;
    log(`final: ${result.summary}`);
    log(
      `${opts.devices ? `push devices ${stats.devices}; ` : ''}windows opened ${stats.windowsOpened}, closed ${stats.windowsClosed}; requests expired ${stats.requestsExpired}; points redeemed ${stats.pointsRedeemed}; ` +
        `token refreshes ${stats.tokenRefreshes}; reconnects ${stats.reconnects}; setup retries ${stats.retries}; refused ${JSON.stringify(stats.refused)}`,
    );
    log(
      `errors ${stats.errors} of ${stats.operations} operations (${(result.errorRate * 100).toFixed(3)} %)${stats.errors ? ` ${JSON.stringify(stats.errorKinds)}` : ''}`,
    );
    log(`dashboard: ${result.dashboardUrl}`);
    const c = result.consumers;
    if (c && !c.drained) log(`consumers did not drain within the bound: failing`);
    if (c && c.profilesOffLedger > 0) log(`${c.profilesOffLedger} profiles differ from the ledger: failing`);
    if (result.errorRate > Number(opts.maxErrorRate)) log(`error rate over ${opts.maxErrorRate}: failing`);
    return result.ok ? 0 : 1;
  } finally {
    if (api) {
      log('stopping the API started for the demo');
      await api.stop();
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    log(`failed: ${err.message}`);
    process.exit(1);
  },
);

/**
 * `npm run bench`: builds once (the npm script does), then runs every benchmark one after the
 * other — they share the machine's cores, so never in parallel — and writes what each one's
 * closing JSON line said to bench/results.json. A failing benchmark is recorded and the rest
 * still run; the exit code is non-zero when any failed.
 *
 *   npm run bench                       every benchmark
 *   npm run bench -- --only rest,etl    a subset
 *   npm run bench -- --dry-run          print the plan, run nothing, write nothing
 *   npm run bench -- --out <file>       results elsewhere (default bench/results.json)
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

export interface Bench {
  name: string;
  /** The benchmark's entry point; run with the same TypeScript loader as its `bench:<name>` script. */
  script: string;
}

/** Every benchmark: one folder with a run.ts each, also runnable alone as `npm run bench:<name>`. */
export const BENCHES: readonly Bench[] = [
  'rest',
  'connections',
  'etl',
  'places',
  'events',
  'push',
  'sockets',
].map((name) => ({
  name,
  script: join(BENCH_DIR, name, 'run.ts'),
}));

/** The closing line every benchmark prints (bench/support/harness.ts printResult). */
export interface BenchResult {
  bench: string;
  figures: Record<string, number>;
  baseline: Record<string, number>;
  ratios: Record<string, number>;
}

export interface BenchRun {
  bench: string;
  command: string[];
  exitCode: number | null;
  durationS: number;
  result: BenchResult | null;
  /** Why there is no result (exit code, signal, or no closing line). */
  error?: string;
}

export interface Results {
  generatedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  runs: BenchRun[];
}

/** The last line of a benchmark's output that is its result JSON, or null. */
export function parseResult(stdout: string): BenchResult | null {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as Partial<BenchResult>;
      if (typeof v.bench === 'string' && v.figures && v.baseline && v.ratios) return v as BenchResult;
    } catch {
      continue;
    }
  }
  return null;
}

export function commandFor(bench: Bench): string[] {
  return [process.execPath, '--import', '@swc-node/register/esm-register', bench.script];
}

/** Runs one benchmark, streaming its output through, and collects its result line. */
export function runOne(bench: Bench, command = commandFor(bench)): Promise<BenchRun> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stdout.write(chunk);
    });
    const finish = (exitCode: number | null, error?: string) => {
      const result = exitCode === 0 ? parseResult(stdout) : null;
      const run: BenchRun = {
        bench: bench.name,
        command,
        exitCode,
        durationS: Math.round((Date.now() - started) / 100) / 10,
        result,
      };
      const why = error ?? (result ? undefined : exitCode === 0 ? 'no result line' : `exit code ${exitCode}`);
      if (why) run.error = why;
      resolvePromise(run);
    };
    child.on('error', (err) => finish(null, err.message));
    child.on('exit', (code, signal) => finish(code, signal ? `killed by ${signal}` : undefined));
  });
}

export function machine(): Results['machine'] {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
}

/** Runs `benches` in order and writes the results file; resolves to the results. */
export async function runAll(
  benches: readonly Bench[],
  out: string,
  run: (b: Bench) => Promise<BenchRun> = (b) => runOne(b),
): Promise<Results> {
  const results: Results = { generatedAt: new Date().toISOString(), machine: machine(), runs: [] };
  for (const bench of benches) {
    process.stderr.write(`\n── bench ${bench.name} ──\n`);
    results.runs.push(await run(bench));
    // Written after every benchmark: a later one that hangs or crashes keeps the earlier figures.
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  }
  return results;
}

export function parseArgs(argv: string[]): { dryRun: boolean; only: string[] | null; out: string } {
  const opts = { dryRun: false, only: null as string[] | null, out: join(BENCH_DIR, 'results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dry-run') opts.dryRun = true;
    else if (a === '--only')
      opts.only = (argv[++i] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--out') opts.out = resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${a} (use --dry-run, --only a,b, --out file)`);
  }
  return opts;
}

export function select(only: string[] | null): Bench[] {
  if (!only) return [...BENCHES];
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`,
    );
  return BENCHES.filter((b) => only.includes(b.name));
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const benches = select(opts.only);
  for (const b of benches) if (!existsSync(b.script)) throw new Error(`missing ${b.script}`);
  if (opts.dryRun) {
    for (const b of benches) process.stdout.write(`${b.name}: ${commandFor(b).join(' ')}\n`);
    process.stdout.write(`results → ${opts.out}\n`);
    return;
  }
  const results = await runAll(benches, opts.out);
  const failed = results.runs.filter((r) => !r.result);
  process.stderr.write(
    `\nbench: ${results.runs.length - failed.length} of ${results.runs.length} benchmarks gave results → ${opts.out}\n`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BENCHES, parseArgs, parseResult, runAll, runOne, select, type Bench } from '../../bench/all.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

describe('npm run bench (bench/all.ts): runs every benchmark and writes bench/results.json', () => {
  it('knows every bench:<name> script, each benchmark prints its result line under its own name, and `bench` builds once then runs the runner', () => {
    const scripts = Object.keys(pkg.scripts)
      .filter((s) => s.startsWith('bench:'))
      .map((s) => s.slice('bench:'.length));
    expect(BENCHES.map((b) => b.name).sort()).toEqual(scripts.sort());
    for (const b of BENCHES) {
      expect(existsSync(b.script)).toBe(true);
      expect(pkg.scripts[`bench:${b.name}`]).toContain(`bench/${b.name}/run.ts`);
      expect(readFileSync(b.script, 'utf8')).toMatch(new RegExp(`printResult\\(\\s*'${b.name}'`));
    }
    expect(pkg.scripts.bench).toBe(
      'npm run build && node --import @swc-node/register/esm-register bench/all.ts',
    );
  });

  it('reads the last result line and ignores log lines, partial JSON and other objects', () => {
    const line = { bench: 'rest', figures: { rps: 1 }, baseline: { rps: 2 }, ratios: { rps: 0.5 } };
    expect(
      parseResult(
        `starting\n{"log":"x"}\n${JSON.stringify({ ...line, bench: 'old' })}\n${JSON.stringify(line)}\n\n`,
      ),
    ).toEqual(line);
    expect(parseResult('{"bench": "rest", "figures": {}}\n{oops')).toBeNull();
    expect(parseResult('')).toBeNull();
  });

  it('selects benchmarks by name and refuses unknown names and arguments', () => {
    expect(select(['etl', 'rest']).map((b) => b.name)).toEqual(['rest', 'etl']);
    expect(() => select(['nope'])).toThrow(/unknown benchmark/);
    expect(parseArgs(['--only', 'rest,etl', '--dry-run'])).toMatchObject({
      dryRun: true,
      only: ['rest', 'etl'],
    });
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument/);
  });

  it('runs benchmarks in order, records results and failures, and keeps going after a failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-runner-'));
    try {
      const ok = (name: string) =>
        `console.log('warming up'); console.log(JSON.stringify({ bench: '${name}', figures: { rps: 10 }, baseline: { rps: 20 }, ratios: { rps: 0.5 } }));`;
      writeFileSync(join(dir, 'a.mjs'), ok('a'));
      writeFileSync(join(dir, 'b.mjs'), "console.log('no result'); process.exit(3);");
      writeFileSync(join(dir, 'c.mjs'), ok('c'));
      const benches: Bench[] = ['a', 'b', 'c'].map((name) => ({ name, script: join(dir, `${name}.mjs`) }));
      const out = join(dir, 'results.json');
      const results = await runAll(benches, out, (b) => runOne(b, [process.execPath, b.script]));
      const written = JSON.parse(readFileSync(out, 'utf8'));
      expect(written).toEqual(JSON.parse(JSON.stringify(results)));
      expect(written.machine).toMatchObject({ cpus: expect.any(Number), node: process.version });
      expect(
        written.runs.map((r: { bench: string; exitCode: number; error?: string }) => [
          r.bench,
          r.exitCode,
          r.error ?? null,
        ]),
      ).toEqual([
        ['a', 0, null],
        ['b', 3, 'exit code 3'],
        ['c', 0, null],
      ]);
      expect(written.runs[2].result).toEqual({
        bench: 'c',
        figures: { rps: 10 },
        baseline: { rps: 20 },
        ratios: { rps: 0.5 },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--dry-run prints the plan through the same loader as the npm scripts and writes nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bench-dry-')), 'results.json');
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      '@swc-node/register/esm-register',
      'bench/all.ts',
      '--dry-run',
      '--out',
      out,
    ]);
    for (const b of BENCHES)
      expect(stdout).toContain(
        `${b.name}: ${process.execPath} --import @swc-node/register/esm-register ${b.script}`,
      );
    expect(existsSync(out)).toBe(false);
  });
});

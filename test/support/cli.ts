import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs the ops CLI (or another entry point) from source in a child process, as `npm run cli`
 * runs it from dist. Never rejects: the exit code and both streams come back.
 */
export function runCli(
  env: Record<string, string>,
  args: string[],
  entry = 'apps/api/src/cli.ts',
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', entry, ...args], {
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Each CLI run compiles the app from source (seconds on a busy machine): a ceiling, not a timing assertion. */
export const CLI_TEST_TIMEOUT_MS = 240_000;

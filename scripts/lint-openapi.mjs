// npm run lint:openapi: writes the OpenAPI document the API serves to a temporary file and lints
// it with Spectral against .spectral.yaml (the OWASP API Security ruleset). Fails on any error;
// extra arguments go to Spectral instead of `--display-only-failures` (e.g. `-- --format json`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'heyblue-openapi-'));
const file = join(dir, 'openapi.json');
const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
// The app imports the generated Prisma client, which a clean clone does not have yet.
let status = existsSync('generated/prisma') ? 0 : run(['scripts/prisma-generate.mjs']);
if (status === 0)
  status = run(['--import', '@swc-node/register/esm-register', 'scripts/openapi-dump.ts', file]);
if (status === 0)
  status = run([
    'node_modules/@stoplight/spectral-cli/dist/index.js',
    'lint',
    file,
    '--ruleset',
    '.spectral.yaml',
    '--fail-severity',
    'error',
    // Errors only (the warnings are many and not gated); `-- --format json` lists them all.
    ...(process.argv.length > 2 ? process.argv.slice(2) : ['--display-only-failures']),
  ]);
rmSync(dir, { recursive: true, force: true });
process.exit(status);

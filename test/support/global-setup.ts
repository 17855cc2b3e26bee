import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as MigratorModule from '../../libs/platform/src/database/migrator.js';
import type * as DatabasesModule from './databases.js';
// Jest loads global setup through CommonJS without the ESM module mapper, so the runtime
// imports are extensionless (resolved by Jest's .ts require hook) and typed from the above.
// @ts-expect-error TS2835: relative imports need extensions under nodenext
import * as migrator from '../../libs/platform/src/database/migrator';
// @ts-expect-error TS2835: see above
import * as databases from './databases';

const { migrate } = migrator as typeof MigratorModule;
const { assertTestDatabase, databaseUrl, randomId, withAdmin } = databases as typeof DatabasesModule;

/**
 * Builds the admin dashboard when there is no build yet (CI's fresh clone), once and before any
 * suite starts: the browser tests drive it, and the security probes fetch /admin, which answers
 * 503 ADMIN_UI_NOT_BUILT without a build. (Built by the browser suite instead, the probes passed
 * or failed with the order Jest happened to run the files in.) Only the vite half of
 * `npm run build:admin`: `npm test` type-checks apps/admin already.
 */
/** The newest modification time of any file under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Builds the dashboard when it has no build or one older than its sources (a reused checkout
 * kept a stale `dist/` once, and the browser suite tested yesterday's dashboard).
 */
function ensureAdminBuilt(): void {
  const admin = join(process.cwd(), 'apps', 'admin');
  const index = join(admin, 'dist', 'index.html');
  const sources = Math.max(newest(join(admin, 'src')), statSync(join(admin, 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const r = spawnSync(
    'npx',
    ['vite', 'build', '--config', 'apps/admin/vite.config.ts', '--logLevel', 'warn'],
    { stdio: 'inherit' },
  );
  if (r.status !== 0 || !existsSync(index)) throw new Error('vite build of apps/admin failed');
}

/**
 * Creates this run's template database (migrated with the same runner as production);
 * each test file clones it (CREATE DATABASE ... TEMPLATE) so files run in parallel in isolation.
 */
export default async function globalSetup(): Promise<void> {
  ensureAdminBuilt();
  const run = `heyblue_test_${randomId()}`;
  const template = `${run}_tpl`;
  assertTestDatabase(template);
  await withAdmin((c) => c.query(`CREATE DATABASE "${template}"`));
  await migrate(databaseUrl(template), join(process.cwd(), 'prisma', 'migrations'));
  process.env.HEYBLUE_TEST_RUN = run;
  process.env.HEYBLUE_TEST_TEMPLATE = template;
}

import { join } from 'node:path';
// Jest loads global setup through CommonJS without the ESM module mapper, so these two
// imports are extensionless (resolved by Jest's .ts require hook).
// @ts-expect-error TS2835: relative imports need extensions under nodenext
import { migrate } from '../../libs/platform/src/database/migrator';
// @ts-expect-error TS2835: see above
import { assertTestDatabase, databaseUrl, randomId, withAdmin } from './databases';

/**
 * Creates this run's template database (migrated with the same runner as production);
 * each test file clones it (CREATE DATABASE ... TEMPLATE) so files run in parallel in isolation.
 */
export default async function globalSetup(): Promise<void> {
  const run = `heyblue_test_${randomId()}`;
  const template = `${run}_tpl`;
  assertTestDatabase(template);
  await withAdmin((c) => c.query(`CREATE DATABASE "${template}"`));
  await migrate(databaseUrl(template), join(process.cwd(), 'prisma', 'migrations'));
  process.env.HEYBLUE_TEST_RUN = run;
  process.env.HEYBLUE_TEST_TEMPLATE = template;
}

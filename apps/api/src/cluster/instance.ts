// One API instance of a local cluster: applies pending migrations (several instances starting
// together contend for the migrator's advisory lock, so each migration runs once), then serves.
// Prints `listening <url>` once it accepts connections.
import 'dotenv/config';
import { migrate, validateEnvironment } from '@heyblue/platform';
import { createApp, listen } from '../bootstrap.js';
import { migrationsDir } from '../ops/paths.js';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `${JSON.stringify({ level: 50, msg: 'unhandled rejection', err: String((reason as Error)?.message ?? reason) })}\n`,
  );
});

try {
  const env = validateEnvironment(process.env);
  const result = await migrate(env.DATABASE_URL, migrationsDir());
  process.stdout.write(
    `migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied\n`,
  );
  const app = await createApp();
  const url = await listen(app);
  process.stdout.write(`listening ${url.replace('[::1]', '127.0.0.1')}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

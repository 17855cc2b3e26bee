import 'dotenv/config';
import { createApp, listen } from './bootstrap.js';

// A dependency outage must never take the process down through a stray rejection
// (e.g. bull reconnecting while Redis is cut); log it and keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`${JSON.stringify({ level: 50, msg: 'unhandled rejection', err: String((reason as Error)?.message ?? reason) })}\n`);
});

try {
  const app = await createApp();
  const url = await listen(app);
  app.getHttpAdapter().getInstance().log.info?.(`listening on ${url}`);
  process.stdout.write(`Hey Blue! API listening on ${url} (docs at ${url}/api/docs)\n`);
} catch (err) {
  // Configuration errors are written plainly so an operator sees what to fix.
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

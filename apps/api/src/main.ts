import { createApp, listen } from './bootstrap.js';

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

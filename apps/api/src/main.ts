import 'dotenv/config';
import { startTelemetry } from '@heyblue/telemetry';

// Tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) starts before the application's modules
// load, so its instrumentations see http, ioredis and Prisma as they are first imported.
await startTelemetry();
const { createApp, listen } = await import('./bootstrap.js');

// A dependency outage must never take the process down through a stray rejection
// (e.g. bull reconnecting while Redis is cut); log it and keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `${JSON.stringify({ level: 50, msg: 'unhandled rejection', err: String((reason as Error)?.message ?? reason) })}\n`,
  );
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

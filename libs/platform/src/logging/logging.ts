import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino } from 'pino';
import type { Options as HttpLoggerOptions } from 'pino-http';
import { traceLogFields, tracingActive } from '../telemetry/spans.js';

/** Paths redacted from every log line: credentials and personal data never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-retailer-key"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.registrationToken',
  '*.password',
  '*.code',
  '*.phone',
  '*.email',
  '*.lat',
  '*.lng',
];

export function loggerParams(level: string): Params {
  const options: HttpLoggerOptions = {
    level,
    // trace_id/span_id of the active span, only when tracing is on.
    ...(tracingActive() ? { mixin: traceLogFields } : {}),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // The HTTP adapter assigns the id (from x-request-id or a new UUID) before logging.
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? randomUUID(),
    // Query strings can carry coordinates or e-mails; log the path only.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
    },
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/metrics' || (req.url ?? '').startsWith('/api/v1/health') },
  };
  if (level === 'silent') return { pinoHttp: options };
  // Asynchronous stdout: a synchronous write per request line blocked the event loop on
  // every request at level info. Lines written while one write is in flight go out
  // together; pino flushes what is pending when the process exits.
  return { pinoHttp: [options, pino.destination({ dest: 1, sync: false })] };
}

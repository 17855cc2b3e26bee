import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino } from 'pino';
import { pinoHttp, type HttpLogger, type Options as HttpLoggerOptions } from 'pino-http';
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

let shared: { level: string; http: HttpLogger } | undefined;

/**
 * The process's one pino-http instance (one stdout destination however many apps a test
 * process creates). Its logger is the root every other log line derives from.
 */
export function requestLogger(level: string): HttpLogger {
  if (shared?.level === level) return shared.http;
  const options: HttpLoggerOptions = {
    level,
    // trace_id/span_id of the active span, only when tracing is on.
    ...(tracingActive() ? { mixin: traceLogFields } : {}),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // The HTTP adapter assigns the id (from x-request-id or a new UUID) before logging.
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? randomUUID(),
    // Query strings can carry coordinates or e-mails; log the path only.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
    },
    autoLogging: {
      ignore: (req: IncomingMessage) =>
        req.url === '/metrics' || (req.url ?? '').startsWith('/api/v1/health'),
    },
  };
  // Asynchronous stdout: a synchronous write per request line blocked the event loop on
  // every request at level info. Lines written while one write is in flight go out
  // together; pino flushes what is pending when the process exits.
  const http =
    level === 'silent' ? pinoHttp(options) : pinoHttp(options, pino.destination({ dest: 1, sync: false }));
  shared = { level, http };
  return http;
}

/**
 * nestjs-pino for Nest's logger, on the shared root logger, with its request middleware
 * mounted nowhere: that middleware runs every request inside `AsyncLocalStorage.run`, and on
 * Node 20 one such call turns on promise hooks for every promise the process creates from
 * then on (measured: ~9 % of the socket location path's throughput). Request lines come from
 * the Fastify hook of {@link registerRequestLogging} instead; logs written while handling a
 * request carry no request id (trace ids come from the active span when tracing is on).
 */
export function loggerParams(level: string): Params {
  return { pinoHttp: { logger: requestLogger(level).logger }, forRoutes: [] };
}

/**
 * One access-log line per request (pino-http on the raw request and response), without
 * AsyncLocalStorage. Access lines are `info` lines: at `warn` and above nothing is hooked, since
 * pino-http would still build a child logger per request (the request serialised and redacted)
 * to write nothing but a 5xx line, which the problem filter writes anyway (with the error and
 * the request id). In bench:rest that per-request work was 10-20 % of the read routes' throughput.
 */
export function registerRequestLogging(
  fastify: {
    addHook(
      name: 'onRequest',
      hook: (request: { raw: IncomingMessage }, reply: { raw: ServerResponse }, done: () => void) => void,
    ): unknown;
  },
  level: string,
): void {
  const http = requestLogger(level);
  if (!http.logger.isLevelEnabled('info')) return;
  fastify.addHook('onRequest', (request, reply, done) => {
    http(request.raw, reply.raw);
    done();
  });
}

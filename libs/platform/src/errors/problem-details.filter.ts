import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: Array<{ field: string; message: string }>;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/** Fastify's own errors (body parsing, limits) mapped to stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    detail: 'The request body is too large.',
  },
  FST_REQ_FILE_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    detail: 'The uploaded file is too large.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'This content type is not accepted.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_REQUEST', detail: 'Invalid Content-Length.' },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    detail: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', detail: 'The JSON body is empty.' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'Expected multipart/form-data.',
  },
};

/** Builds an RFC 9457 problem document. */
export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return {
    type: `https://heyblue.app/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

/** Turns any thrown value into a problem document; never leaks stacks, SQL or internals. */
export function toProblem(exception: unknown): Problem {
  if (exception instanceof DomainError) {
    return problem(exception.status, exception.code, exception.message, exception.extra);
  }
  // Fastify's own errors (body parsing, limits) arrive wrapped by the Nest adapter.
  const fastifyCode = (exception as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (exception instanceof HttpException && typeof fastifyCode === 'string' && FASTIFY_CODES[fastifyCode]) {
    const f = FASTIFY_CODES[fastifyCode]!;
    return problem(f.status, f.code, f.detail);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const code =
      typeof body === 'object' && body && 'code' in body
        ? String((body as { code: unknown }).code)
        : (CODES[status] ?? 'ERROR');
    const detail =
      status >= 500
        ? 'Something went wrong on our side.'
        : typeof body === 'object' && body && 'message' in body
          ? [(body as { message: unknown }).message].flat().join('; ')
          : exception.message;
    return problem(status, code, detail);
  }
  const err = exception as { code?: unknown; statusCode?: unknown } | undefined;
  if (err && typeof err.code === 'string' && FASTIFY_CODES[err.code]) {
    const f = FASTIFY_CODES[err.code]!;
    return problem(f.status, f.code, f.detail);
  }
  if (exception instanceof SyntaxError && err?.statusCode === 400) {
    return problem(400, 'MALFORMED_JSON', 'The request body is not valid JSON.');
  }
  if (err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return problem(
      err.statusCode,
      CODES[err.statusCode] ?? 'BAD_REQUEST',
      'The request could not be processed.',
    );
  }
  if (isDependencyUnavailable(exception)) {
    return problem(503, 'SERVICE_UNAVAILABLE', 'A dependency is temporarily unavailable; retry later.');
  }
  return problem(500, 'INTERNAL_ERROR', 'Something went wrong on our side.');
}

/**
 * True for a dependency outage (PostgreSQL or Redis unreachable, a command timed out or gave
 * up reconnecting) rather than a bug: HTTP answers 503, socket acks TEMPORARILY_UNAVAILABLE.
 */
export function isDependencyUnavailable(exception: unknown): boolean {
  const e = exception as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'P1001',
      'P1002',
      'P1008',
      'P1017',
      'P2024',
    ].includes(code) ||
    e?.name === 'MaxRetriesPerRequestError' ||
    // PostgreSQL: pg's and Prisma's words for a lost or unobtainable connection (a raw query wraps them in P2010).
    /Can't reach database|Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Server has closed the connection|is not queryable|Unable to start a transaction in the given time/i.test(
      message,
    ) ||
    // Redis (ioredis): closed, a command timed out, or reconnecting gave up.
    /Connection is closed|Command timed out|max retries per request|Stream isn't writeable/i.test(message)
  );
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const body = toProblem(exception);
    body.instance = request.url.split('?')[0];
    if (body.status >= 500) {
      this.logger.error({ err: exception, reqId: request.id }, 'request failed');
    }
    if (body.status === HttpStatus.TOO_MANY_REQUESTS && typeof body.retryAfter === 'number') {
      void reply.header('Retry-After', String(body.retryAfter));
    }
    void reply
      .status(body.status)
      .header('Content-Type', 'application/problem+json; charset=utf-8')
      .send(body);
  }
}

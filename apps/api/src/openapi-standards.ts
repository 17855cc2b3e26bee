import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;
interface Operation {
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, Json>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** RFC 9457 problem details, as every error answer of the API is written (ProblemDetailsFilter). */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri', maxLength: 200 },
    title: { type: 'string', maxLength: 200 },
    status: { type: 'integer', format: 'int32', minimum: 400, maximum: 599 },
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 64 },
    detail: { type: 'string', maxLength: 2000 },
    instance: { type: 'string', maxLength: 2048 },
    retryAfter: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 },
    errors: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          field: { type: 'string', maxLength: 200 },
          message: { type: 'string', maxLength: 1000 },
        },
      },
    },
  },
} as const;

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/** The headers RateLimitGuard writes on every answer of a rate-limited route. */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': {
    description: 'Requests allowed in the current window.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window restarts.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
  },
};

const CORS_ORIGIN = {
  description:
    "The request's Origin, echoed only when it is one of CORS_ORIGINS (none by default: browsers on other sites get no access).",
  schema: { type: 'string', format: 'uri', maxLength: 2048 },
};

const RETRY_AFTER = {
  description: 'Seconds to wait before trying again.',
  schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 },
};

/**
 * The answers every route shares, written once instead of on each handler: 500 (any route can
 * fail; the problem carries no internals), 401 on routes that need credentials, and on
 * rate-limited routes (those whose handler declares a 429 through `@RateLimit`) the 429 with
 * `Retry-After` and the `RateLimit-*` headers on every 2xx and 4xx answer. Error answers get
 * the problem+json schema. Mutates and returns `doc`.
 */
export function withStandardAnswers(doc: OpenAPIObject): OpenAPIObject {
  const schemas = (doc.components ??= {}).schemas ?? (doc.components.schemas = {});
  schemas.Problem ??= PROBLEM_SCHEMA as never;
  for (const item of Object.values(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const responses = (op.responses ??= {});
      const secured = (op.security ?? []).some((s) => Object.keys(s).length > 0);
      if (secured) responses['401'] ??= { description: 'No, invalid, expired or revoked credentials.' };
      responses['500'] ??= {
        description: 'Unexpected failure (500 INTERNAL_ERROR); the answer discloses no internals.',
      };
      const limited = '429' in responses;
      for (const [status, response] of Object.entries(responses)) {
        if (/^[45]/.test(status)) response.content ??= problem;
        if (!limited || !/^[24]/.test(status)) continue;
        response.headers = {
          ...RATE_LIMIT_HEADERS,
          ...(status === '429' ? { 'Retry-After': RETRY_AFTER } : {}),
          ...(response.headers as Json | undefined),
        };
      }
      for (const response of Object.values(responses))
        if (response.headers) (response.headers as Json)['Access-Control-Allow-Origin'] ??= CORS_ORIGIN;
    }
  }
  return doc;
}

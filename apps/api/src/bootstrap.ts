import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import multipart from '@fastify/multipart';
import { RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import helmet, { type HelmetOptions } from 'helmet';
import { Logger } from 'nestjs-pino';
import { MetricsService, registerRequestLogging, validateEnvironment, type Env } from '@heyblue/platform';
import { AppModule, type AppOptions } from './app.module.js';
import { ADMIN_DIST, registerAdminUi } from './admin-ui/admin-ui.module.js';
import { serveAsyncApi } from './asyncapi.js';
import { withStandardAnswers } from './openapi-standards.js';
import { RedisIoAdapter } from './ws/redis-io.adapter.js';

export const API_PREFIX = 'api/v1';

/** Request bodies the API parses: JSON, and multipart for uploads; anything else is 415. */
const API_BODY_TYPES = /^\s*(application\/json|multipart\/form-data)\s*(;|$)/i;

/** Largest admin upload (ETL files); JSON bodies have their own, much smaller limit. */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Hey Blue! API')
    .setDescription(
      'Connects police officers and the communities they serve. Errors are RFC 9457 problem+json with a stable `code`. ' +
        'Lists take `limit` (1..100, default 20) and `cursor` and answer `{items, nextCursor}`. Times are ISO 8601 UTC.',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque',
      description:
        'An access token from sign-in (an opaque random string, not a JWT): looked up on every request, ' +
        'it stops working at logout, when its session is ended or the account suspended.',
    })
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description:
          "An admin's access token: the admin routes answer only to the admin role, and an admin session " +
          'ends 12 hours after sign-in (401 SESSION_EXPIRED).',
      },
      'admin',
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Retailer-Key',
        description: "A retailer's key, issued by an admin (header only, never in the URL).",
      },
      'retailer-key',
    )
    .build();
  return withStandardAnswers(SwaggerModule.createDocument(app, config));
}

/** Creates the fully wired application without listening: used by main, tests and benchmarks. */
export async function createApp(options: AppOptions = {}): Promise<NestFastifyApplication> {
  const env = validateEnvironment({ ...process.env, ...options.env });
  const adapter = new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    // Only the configured proxies' X-Forwarded-For counts: `true` believed any client's header,
    // so one client could rotate it past every per-IP rate limit.
    trustProxy: env.TRUST_PROXY || false,
    // Fastify's own logger stays off (nestjs-pino logs); the request id is taken from a
    // well-formed x-request-id or generated, shared with pino-http and echoed back.
    logger: false,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
      (req as typeof req & { id?: string }).id = id;
      return id;
    },
  });
  const security = securityHeaders({
    // Swagger UI and the admin dashboard set their own needs; the API answers JSON only.
    contentSecurityPolicy: false,
    hsts: env.NODE_ENV === 'production',
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.headers(security).header('x-request-id', request.id);
    done();
  });
  registerRequestLogging(adapter.getInstance(), env.LOG_LEVEL);
  // The API reads JSON (and multipart uploads) only. Fastify's text/plain parser and Nest's
  // form parser would otherwise hand strings and flat objects to validation (400, not 415).
  adapter.getInstance().addHook('preParsing', (request, _reply, payload, done) => {
    const type = request.headers['content-type'];
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    if (hasBody && type !== undefined && request.url.startsWith('/api/') && !API_BODY_TYPES.test(type)) {
      return done(
        Object.assign(new Error(`Unsupported Media Type: ${type}`), {
          code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
          statusCode: 415,
        }),
      );
    }
    done(null, payload);
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const routes: RegisteredRoute[] = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method: String(method), url: route.url });
    });
  ROUTES.set(app, routes);
  app.enableShutdownHooks();
  const origins = env.CORS_ORIGINS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  app.enableCors({ origin: origins.length > 0 ? origins : false, credentials: false });
  await app.register(multipart as never, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10 } });
  await registerAdminUi(app.getHttpAdapter().getInstance(), ADMIN_DIST);
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'metrics', method: RequestMethod.GET },
      // Development mode only (IAM): the SMS outbox lives beside /dev/oidc, outside the API prefix.
      { path: 'dev/sms', method: RequestMethod.GET },
      // Development mode only (Notifications): pushes kept instead of sent, beside /dev/sms.
      { path: 'dev/push', method: RequestMethod.GET },
    ],
  });
  app.useWebSocketAdapter(new RedisIoAdapter(app));
  app.get(MetricsService).instrument(app.getHttpAdapter().getInstance());
  const document = buildOpenApi(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    useGlobalPrefix: false,
  });
  serveAsyncApi(app);
  return app;
}

/**
 * Helmet's response headers for `options`, worked out once: without a CSP nonce they do not
 * depend on the request, and the Fastify plugin rebuilt every helmet middleware per request.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) =>
      void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as never, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

export interface RegisteredRoute {
  method: string;
  url: string;
}

const ROUTES = new WeakMap<object, RegisteredRoute[]>();

/** Every route Fastify registered for this app (after init): lets a test hold OpenAPI to the real routes. */
export function registeredRoutes(app: NestFastifyApplication): RegisteredRoute[] {
  return ROUTES.get(app) ?? [];
}

export async function listen(app: NestFastifyApplication): Promise<string> {
  const config = app.get(ConfigService<Env, true>);
  await app.listen(config.get('PORT', { infer: true }), config.get('HOST', { infer: true }));
  return app.getUrl();
}

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { problem } from '@heyblue/platform';

/** Where `npm run build:admin` writes the dashboard (relative to the working directory, like dist/). */
export const ADMIN_DIST = resolve(process.cwd(), 'apps/admin/dist');

/** The dashboard runs only its own bundled script and styles; data comes from this origin's API. */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the admin dashboard (apps/admin, a static single-page app) from `dist` at /admin,
 * outside the API prefix: hashed assets under /admin/assets with long caching, every other
 * /admin path answers index.html so the app's own routes (/admin/callback, /admin/map, …)
 * load directly. Without a build the paths answer a 503 problem instead of failing the app.
 */
export async function registerAdminUi(fastify: FastifyInstance, dist: string): Promise<void> {
  let index: string | undefined;
  // Read once it exists, so a build made after boot is picked up.
  const indexHtml = () => {
    if (index === undefined && existsSync(join(dist, 'index.html')))
      index = readFileSync(join(dist, 'index.html'), 'utf8');
    return index;
  };
  await fastify.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', ADMIN_CSP);
      return payload;
    });
    if (existsSync(join(dist, 'assets'))) {
      await scope.register(fastifyStatic, {
        root: join(dist, 'assets'),
        prefix: '/admin/assets/',
        decorateReply: false,
        index: false,
        immutable: true,
        maxAge: '365d',
      });
    }
    const page = (_request: unknown, reply: FastifyReply) => {
      const html = indexHtml();
      if (html === undefined) {
        return reply
          .code(503)
          .type('application/problem+json')
          .send(
            problem(
              503,
              'ADMIN_UI_NOT_BUILT',
              'The admin dashboard has not been built on this server: run `npm run build:admin`.',
            ),
          );
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
    };
    scope.get('/admin', page);
    scope.get('/admin/*', page);
  });
}

/**
 * Warns at boot when the dashboard is not built. The routes themselves are registered by
 * createApp (`await registerAdminUi` beside the other Fastify plugins, before Nest's init),
 * not from this lifecycle hook: a registration left running there raced Fastify's start-up,
 * and API processes started as children now and then never reached `listen`.
 */
@Injectable()
export class AdminUiServer implements OnModuleInit {
  private readonly logger = new Logger('AdminUi');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.register !== 'function') return; // CLI context: no HTTP server
    if (!existsSync(join(ADMIN_DIST, 'index.html'))) {
      this.logger.warn(`admin dashboard not built (${ADMIN_DIST} missing): run \`npm run build:admin\``);
    }
  }
}

@Module({ providers: [AdminUiServer] })
export class AdminUiModule {}

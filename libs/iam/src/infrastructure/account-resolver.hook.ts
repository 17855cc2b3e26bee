import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SessionService } from '../application/session.service.js';
import { bearerToken, resolveOnce } from './bearer.strategy.js';

/**
 * Resolves the bearer token before Nest's global guards run, so `request.account` is set
 * for rate limits counted per account (`RateLimit({by: 'account'})`). Never refuses a
 * request itself: routes decide through `@Auth()`, which reuses this lookup.
 */
@Injectable()
export class AccountResolverHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: SessionService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('preHandler', async (req: FastifyRequest & { account?: unknown }) => {
      const token = bearerToken(req.headers);
      if (!token) return;
      try {
        req.account = await resolveOnce(req as never, token, this.sessions);
      } catch {
        // An invalid token is the guard's business (401/403 with the right code).
      }
    });
  }
}

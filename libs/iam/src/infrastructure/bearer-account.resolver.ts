import { Injectable } from '@nestjs/common';
import { RequestAccountResolver } from '@heyblue/platform';
import type { FastifyRequest } from 'fastify';
import { SessionService } from '../application/session.service.js';
import type { AuthenticatedAccount } from '../domain/account.js';
import { bearerToken, resolveOnce } from './bearer.strategy.js';

/**
 * Tells the kernel's rate-limit guard (which runs before a route's own guards) whose
 * request it is, for limits counted per account (`RateLimit({by: 'account'})`). Never
 * refuses a request itself: routes decide through `@Auth()`, which reuses this lookup.
 */
@Injectable()
export class BearerAccountResolver extends RequestAccountResolver {
  constructor(private readonly sessions: SessionService) {
    super();
  }

  async resolve(
    req: FastifyRequest & { account?: AuthenticatedAccount },
  ): Promise<AuthenticatedAccount | undefined> {
    const token = bearerToken(req.headers);
    if (!token) return undefined;
    try {
      req.account = await resolveOnce(req as never, token, this.sessions);
      return req.account;
    } catch {
      // An invalid token is the guard's business (401/403 with the right code).
      return undefined;
    }
  }
}

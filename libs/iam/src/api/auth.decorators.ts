import {
  applyDecorators,
  createParamDecorator,
  Injectable,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Forbidden, Unauthorized } from '@heyblue/platform';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedAccount, Role } from '../domain/account.js';
import type { AuditActor } from '../domain/audit.js';

export type { AuditActor } from '../domain/audit.js';
import { SessionService } from '../application/session.service.js';
import { BEARER_STRATEGY, bearerToken, resolveOnce } from '../infrastructure/bearer.strategy.js';

const ROLES = 'iam:roles';

type AuthedRequest = FastifyRequest & { user?: AuthenticatedAccount; account?: AuthenticatedAccount };

/** The passport bearer guard; a missing or malformed header gives 401 UNAUTHORIZED. */
@Injectable()
export class BearerAuthGuard extends AuthGuard(BEARER_STRATEGY) {
  constructor(private readonly sessions: SessionService) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(req.headers);
    // Passport keeps one strategy registry per process: with several apps in one process (the
    // e2e tests' extra instances) the last app's strategy would serve them all, with that app's
    // database pool. Looking the token up here, with this app's SessionService, makes the
    // strategy reuse this lookup (resolveOnce's per-request memo); its failure surfaces there.
    if (token) resolveOnce(req as never, token, this.sessions).catch(() => undefined);
    return super.canActivate(context);
  }

  override handleRequest<T = AuthenticatedAccount>(
    err: unknown,
    user: T | false,
    _info: unknown,
    context: ExecutionContext,
  ): T {
    if (err) throw err;
    if (!user) throw new Unauthorized();
    context.switchToHttp().getRequest<AuthedRequest>().account = user as unknown as AuthenticatedAccount;
    return user;
  }
}

/** Refuses callers whose role is not among the route's roles (403 FORBIDDEN). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles =
      this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    if (roles.length === 0) return true;
    const account = context.switchToHttp().getRequest<AuthedRequest>().user;
    if (!account) throw new Unauthorized();
    if (!roles.includes(account.role))
      throw new Forbidden('FORBIDDEN', `This needs the role ${roles.join(' or ')}.`);
    return true;
  }
}

/** Restricts a route (or controller) to signed-in accounts, optionally with one of the roles. */
export function Auth(...roles: Role[]) {
  return applyDecorators(
    SetMetadata(ROLES, roles),
    UseGuards(BearerAuthGuard, RolesGuard),
    // Admin-only routes are documented under their own scheme (same token, the admin role).
    roles.length > 0 && roles.every((r) => r === 'admin') ? ApiBearerAuth('admin') : ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'No, invalid, expired or revoked access token (401 UNAUTHORIZED / TOKEN_INVALID).',
    }),
    ApiForbiddenResponse({
      description: roles.length
        ? `Needs role ${roles.join(' or ')} (403 FORBIDDEN); suspended accounts get 403 ACCOUNT_SUSPENDED.`
        : 'Suspended account (403 ACCOUNT_SUSPENDED).',
    }),
  );
}

/** Alias of `Auth(...roles)` for readability on role-only routes. */
export const Roles = (...roles: Role[]) => Auth(...roles);

/** The `AuditActor` of the request (routes under `@Auth()`), for `IamApi.recordAdminAction`. */
export const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuditActor => {
  const req = ctx.switchToHttp().getRequest<AuthedRequest>();
  if (!req.user) throw new Unauthorized();
  const ua = req.headers['user-agent'];
  return {
    accountId: req.user.id,
    kind: 'account',
    ip: req.ip,
    userAgent: typeof ua === 'string' ? ua : null,
  };
});

/** The signed-in account of the request (routes under `@Auth()`). */
export const CurrentAccount = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedAccount => {
    const account = ctx.switchToHttp().getRequest<AuthedRequest>().user;
    if (!account) throw new Unauthorized();
    return account;
  },
);

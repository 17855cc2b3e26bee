import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { IamErrors } from '../domain/iam.errors.js';
import type { AuthenticatedAccount } from '../domain/account.js';
import { SessionService } from '../application/session.service.js';

export const BEARER_STRATEGY = 'iam-bearer';

/** Per-request memo so the early account resolution and the guard look a token up once. */
export const AUTH_MEMO = Symbol('iam.auth');

export interface AuthMemo {
  token: string;
  result: Promise<AuthenticatedAccount>;
}

type RequestWithMemo = { headers: Record<string, string | string[] | undefined>; [AUTH_MEMO]?: AuthMemo };

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const h = headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

/** Resolves (once per request) the account behind the request's bearer token. */
export function resolveOnce(
  req: RequestWithMemo,
  token: string,
  sessions: SessionService,
): Promise<AuthenticatedAccount> {
  const memo = req[AUTH_MEMO];
  if (memo && memo.token === token) return memo.result;
  const result = sessions.authenticate(token);
  req[AUTH_MEMO] = { token, result };
  return result;
}

/** passport-http-bearer: `Authorization: Bearer <accessToken>` → the signed-in account. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly sessions: SessionService) {
    super({ passReqToCallback: true });
  }

  validate(req: RequestWithMemo, token: string): Promise<AuthenticatedAccount> {
    // passport-http-bearer also reads access_token from the query and body; the contract
    // allows the header only (tokens never go in URLs).
    // Not a secret comparison: both sides are the caller's own token, read twice from its request.
    // eslint-disable-next-line security/detect-possible-timing-attacks
    if (bearerToken(req.headers) !== token) return Promise.reject(IamErrors.tokenInvalid());
    return resolveOnce(req, token, this.sessions);
  }
}

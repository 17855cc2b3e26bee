import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import type { AuthenticatedAccount } from '../domain/account.js';
import { SessionService } from '../application/session.service.js';

export const BEARER_STRATEGY = 'iam-bearer';

/** passport-http-bearer: `Authorization: Bearer <accessToken>` → the signed-in account. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly sessions: SessionService) {
    super();
  }

  validate(token: string): Promise<AuthenticatedAccount> {
    return this.sessions.authenticate(token);
  }
}

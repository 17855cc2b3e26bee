import { Injectable } from '@nestjs/common';
import type { AuthenticatedAccount } from '../domain/account.js';
import { AccessRevocations, type AccessRevokedInfo } from '../infrastructure/access-revocations.js';
import { SessionService } from './session.service.js';

/** For socket.io handshakes (`auth.token`) and prompt disconnects after logout/suspension. */
@Injectable()
export class SocketAuthenticator {
  constructor(
    private readonly sessions: SessionService,
    private readonly revocations: AccessRevocations,
  ) {}

  /** Resolves an access token; throws Unauthorized (401) / ACCOUNT_SUSPENDED (403). */
  authenticate(token: string): Promise<AuthenticatedAccount> {
    return this.sessions.authenticate(typeof token === 'string' ? token.replace(/^Bearer\s+/i, '') : '');
  }

  /** Fired on every instance when a session ends or an account is suspended (no sessionId then). Returns an unsubscribe. */
  onAccessRevoked(listener: (info: AccessRevokedInfo) => void): () => void {
    return this.revocations.on(listener);
  }
}

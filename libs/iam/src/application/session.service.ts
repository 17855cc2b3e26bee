import { Injectable } from '@nestjs/common';
import type { PrismaService, Tx } from '@heyblue/platform';
import type { AuthenticatedAccount, Role } from '../domain/account.js';
import { IamErrors } from '../domain/iam.errors.js';
import { AccessRevocations } from '../infrastructure/access-revocations.js';
import { IamConfig } from '../infrastructure/iam-config.js';
import { PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';
import { PrismaSessionsRepository } from '../infrastructure/prisma-sessions.repository.js';
import { noteUnchanged } from './audit-scope.js';
import type { RequestMeta } from './request-meta.js';
import { rememberSignedInFacts } from './signed-in-facts.js';
import { hashToken, newToken } from '../infrastructure/tokens.js';

/** The `session` object of the contract. */
export interface SessionView {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  account: { id: string; role: Role };
}

/** Opaque access tokens (hashed, short-lived) and rotating refresh tokens; a session lasts until logout. */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: PrismaSessionsRepository,
    private readonly revocations: AccessRevocations,
    private readonly config: IamConfig,
    private readonly audit: PrismaAuditRepository,
  ) {}

  /** Starts a session (inside the caller's transaction when given one); `web`: the dashboard's, never a phone device's. */
  async issue(
    db: Tx | PrismaService,
    account: { id: string; role: Role },
    deviceId: string | null,
    opts: { web?: boolean } = {},
  ): Promise<SessionView & { sessionId: string }> {
    const accessToken = newToken('hba');
    const refreshToken = newToken('hbr');
    const accessExpiresAt = this.accessExpiry();
    const sessionId = await this.sessions.create(db, {
      accountId: account.id,
      deviceId,
      client: opts.web ? 'web' : 'app',
      accessTokenHash: hashToken(accessToken),
      accessExpiresAt,
      refreshTokenHash: hashToken(refreshToken),
    });
    return {
      sessionId,
      accessToken,
      refreshToken,
      accessTokenExpiresAt: accessExpiresAt.toISOString(),
      account: { id: account.id, role: account.role },
    };
  }

  /** Resolves an access token; every call reads PostgreSQL so a logout anywhere counts at once. */
  async authenticate(token: string): Promise<AuthenticatedAccount> {
    if (!token || token.length > 200) throw IamErrors.tokenInvalid();
    const s = await this.sessions.findByAccessHash(hashToken(token));
    if (!s) throw IamErrors.tokenInvalid();
    if (s.status === 'suspended') throw IamErrors.accountSuspended();
    if (s.revokedAt || s.accessExpiresAt.getTime() <= Date.now()) throw IamErrors.tokenInvalid();
    if (this.pastAdminAge(s.role, s.createdAt)) throw await this.expire(s.sessionId, s.accountId);
    const account: AuthenticatedAccount = { id: s.accountId, role: s.role, sessionId: s.sessionId };
    rememberSignedInFacts(account, {
      role: s.role,
      status: s.status,
      phoneCipher: s.phoneCipher,
      phoneVerifiedAt: s.phoneVerifiedAt,
    });
    return account;
  }

  async refresh(refreshToken: string, meta: RequestMeta = {}): Promise<SessionView & { sessionId: string }> {
    const accessToken = newToken('hba');
    const nextRefresh = newToken('hbr');
    const accessExpiresAt = this.accessExpiry();
    const result = await this.sessions.rotate(hashToken(refreshToken), {
      accessTokenHash: hashToken(accessToken),
      accessExpiresAt,
      refreshTokenHash: hashToken(nextRefresh),
    });
    if (result.kind === 'unknown') throw IamErrors.refreshTokenInvalid();
    if (result.kind === 'reused') {
      // Theft detection: whoever holds the newer token loses it too.
      if (await this.sessions.revoke(result.sessionId, 'refresh_reuse')) {
        await this.revocations.publish([{ accountId: result.accountId, sessionId: result.sessionId }]);
      }
      throw IamErrors.refreshTokenReused();
    }
    if (result.status === 'suspended') {
      await this.sessions.revoke(result.sessionId, 'suspended');
      throw IamErrors.accountSuspended();
    }
    if (this.pastAdminAge(result.role, result.createdAt))
      throw await this.expire(result.sessionId, result.accountId);
    await this.audit.record({
      actorId: result.accountId,
      action: 'session_refreshed',
      targetId: result.accountId,
      ...meta,
      detail: { sessionId: result.sessionId },
    });
    return {
      sessionId: result.sessionId,
      accessToken,
      refreshToken: nextRefresh,
      accessTokenExpiresAt: accessExpiresAt.toISOString(),
      account: { id: result.accountId, role: result.role },
    };
  }

  /** Ends the caller's session; the audit entry is written once, by the request that ended it. */
  async logout(caller: AuthenticatedAccount, meta: RequestMeta = {}): Promise<void> {
    if (!(await this.sessions.revoke(caller.sessionId, 'logout'))) return noteUnchanged();
    await this.revocations.publish([{ accountId: caller.id, sessionId: caller.sessionId }]);
    await this.audit.record({
      actorId: caller.id,
      action: 'logout',
      targetId: caller.id,
      ...meta,
      detail: { sessionId: caller.sessionId },
    });
  }

  /**
   * An admin session ends a fixed time after sign-in, however often it is refreshed (an app
   * session lasts until logout). The role is read on every request, so an account promoted to
   * admin is held to it from then on.
   */
  private pastAdminAge(role: Role, createdAt: Date): boolean {
    return role === 'admin' && createdAt.getTime() + this.config.adminSessionTtlS * 1000 <= Date.now();
  }

  /** Ends the session for good (it would answer SESSION_EXPIRED forever) and tells the sockets. */
  private async expire(sessionId: string, accountId: string): Promise<Error> {
    if (await this.sessions.revoke(sessionId, 'expired'))
      await this.revocations.publish([{ accountId, sessionId }]);
    return IamErrors.sessionExpired();
  }

  private accessExpiry(): Date {
    return new Date(Date.now() + this.config.accessTokenTtlS * 1000);
  }
}

import { Injectable } from '@nestjs/common';
import type { AuthenticatedAccount } from '../../domain/account.js';
import { IamErrors } from '../../domain/iam.errors.js';
import { AccessRevocations } from '../../infrastructure/access-revocations.js';
import { PrismaAuditRepository } from '../../infrastructure/prisma-audit.repository.js';
import { PrismaSessionsRepository } from '../../infrastructure/prisma-sessions.repository.js';
import { noteUnchanged } from '../audit-scope.js';
import type { RequestMeta } from '../request-meta.js';

/**
 * `DELETE /me/sessions/{id}`: ends one of the caller's sessions at once — its tokens fail on
 * the next request (every request reads PostgreSQL) and its sockets close on every instance
 * (the revocation notice). Someone else's session, or none, is 404: whether it exists is not
 * the caller's business. Ending an already ended session of one's own is a no-op.
 */
@Injectable()
export class EndMySessionHandler {
  constructor(
    private readonly sessions: PrismaSessionsRepository,
    private readonly revocations: AccessRevocations,
    private readonly audit: PrismaAuditRepository,
  ) {}

  async execute(caller: AuthenticatedAccount, sessionId: string, meta: RequestMeta = {}): Promise<void> {
    const outcome = await this.sessions.revokeOwned(caller.id, sessionId, 'ended_by_user');
    if (outcome === 'not_found') throw IamErrors.sessionNotFound();
    if (outcome === 'already') return noteUnchanged();
    await this.revocations.publish([{ accountId: caller.id, sessionId }]);
    await this.audit.record({
      actorId: caller.id,
      action: 'session_ended',
      targetId: caller.id,
      ...meta,
      detail: { sessionId, own: sessionId === caller.sessionId },
    });
  }
}

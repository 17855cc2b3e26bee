import { Injectable } from '@nestjs/common';
import { DomainError, NotFound, OutboxService, PrismaService, type Page } from '@heyblue/platform';
import type { AuthenticatedAccount, Role } from '../domain/account.js';
import { AccountRoleChanged } from '../events/account-role-changed.integration-event.js';
import { AccountSuspended } from '../events/account-suspended.integration-event.js';
import { AccessRevocations } from '../infrastructure/access-revocations.js';
import { PrismaAccountsRepository } from '../infrastructure/prisma-accounts.repository.js';
import {
  PrismaAuditRepository,
  type AuditEntryView,
  type AuditQuery,
} from '../infrastructure/prisma-audit.repository.js';
import { PrismaSessionsRepository } from '../infrastructure/prisma-sessions.repository.js';
import type { AuditActor } from '../domain/audit.js';
import { noteUnchanged } from './audit-scope.js';
import type { RequestMeta } from './request-meta.js';

/** An admin cannot demote or suspend themselves (the last admin would lock everyone out). */
function notSelf(actor: AuthenticatedAccount | null, accountId: string): void {
  if (actor?.id === accountId)
    throw new DomainError(
      'OWN_ACCOUNT',
      'Admins cannot change the role of, or suspend, their own account.',
      422,
    );
}

/** Role changes, suspensions and admin pre-authorisation. */
@Injectable()
export class AdminService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly accounts: PrismaAccountsRepository,
    private readonly sessions: PrismaSessionsRepository,
    private readonly audit: PrismaAuditRepository,
    private readonly revocations: AccessRevocations,
  ) {}

  async changeRole(
    actor: AuthenticatedAccount | null,
    accountId: string,
    role: Role,
    meta: RequestMeta = {},
  ): Promise<{ id: string; role: Role }> {
    notSelf(actor, accountId);
    const changed = await this.prisma.$transaction(async (tx) => {
      // Locked: concurrent identical requests would otherwise each see the old role and each publish a change.
      const account = await this.accounts.byIdForUpdate(tx, accountId);
      if (!account) throw new NotFound('Account', 'ACCOUNT_NOT_FOUND');
      if (account.role === role) {
        noteUnchanged();
        return false;
      }
      await this.accounts.setRole(tx, accountId, role);
      await this.outbox.publish(
        tx,
        new AccountRoleChanged({
          accountId,
          previousRole: account.role,
          role,
          changedBy: actor?.id ?? null,
          precinct: null,
        }),
      );
      await this.audit.record(
        {
          actorId: actor?.id,
          action: 'role_changed',
          targetId: accountId,
          ...meta,
          detail: { from: account.role, to: role },
        },
        tx,
      );
      return true;
    });
    this.outbox.kick();
    // Sockets authorised for the old role close on every instance now; Connections' handler of
    // AccountRoleChanged takes a former officer out of the index and ends their requests.
    if (changed) await this.revocations.publish([{ accountId, reason: 'role_changed' }]);
    return { id: accountId, role };
  }

  async suspend(
    actor: AuthenticatedAccount | null,
    accountId: string,
    meta: RequestMeta = {},
  ): Promise<{ id: string; status: 'suspended' }> {
    notSelf(actor, accountId);
    const ended = await this.prisma.$transaction(async (tx) => {
      const account = await this.accounts.byId(tx, accountId);
      if (!account) throw new NotFound('Account', 'ACCOUNT_NOT_FOUND');
      if (!(await this.accounts.suspend(tx, accountId))) {
        noteUnchanged();
        return [];
      }
      const ids = await this.sessions.revokeAll(tx, accountId, 'suspended');
      await this.outbox.publish(tx, new AccountSuspended({ accountId, suspendedBy: actor?.id ?? null }));
      await this.audit.record(
        {
          actorId: actor?.id,
          action: 'account_suspended',
          targetId: accountId,
          ...meta,
          detail: { sessionsEnded: ids.length },
        },
        tx,
      );
      return ids;
    });
    this.outbox.kick();
    await this.revocations.publish([
      { accountId, reason: 'suspended' },
      ...ended.map((sessionId) => ({ accountId, sessionId, reason: 'suspended' as const })),
    ]);
    return { id: accountId, status: 'suspended' };
  }

  /** The account may sign in again; the sessions its suspension ended stay ended. Repeats change nothing. */
  async unsuspend(
    actor: AuthenticatedAccount | null,
    accountId: string,
    meta: RequestMeta = {},
  ): Promise<{ id: string; status: 'active' }> {
    notSelf(actor, accountId);
    await this.prisma.$transaction(async (tx) => {
      const account = await this.accounts.byIdForUpdate(tx, accountId);
      if (!account) throw new NotFound('Account', 'ACCOUNT_NOT_FOUND');
      if (!(await this.accounts.unsuspend(tx, accountId))) return noteUnchanged();
      await this.audit.record(
        { actorId: actor?.id, action: 'account_unsuspended', targetId: accountId, ...meta },
        tx,
      );
    });
    return { id: accountId, status: 'active' };
  }

  /** `admin:create --email`: admin at that e-mail's next sign-in, or at once for existing accounts. */
  async preauthorizeAdmin(email: string): Promise<{ appliedTo: string[] }> {
    const applied: string[] = [];
    await this.prisma.$transaction(async (tx) => {
      await this.accounts.createAdminGrant(tx, email);
      const existing = (await this.accounts.byEmail(tx, email)).filter((a) => a.role !== 'admin');
      for (const a of existing) {
        await this.accounts.setRole(tx, a.id, 'admin');
        await this.outbox.publish(
          tx,
          new AccountRoleChanged({
            accountId: a.id,
            previousRole: a.role,
            role: 'admin',
            changedBy: null,
            precinct: null,
          }),
        );
        await this.audit.record(
          {
            action: 'role_changed',
            targetId: a.id,
            detail: { from: a.role, to: 'admin', via: 'admin:create' },
          },
          tx,
        );
        applied.push(a.id);
      }
      if (existing.length > 0) await this.accounts.markAdminGrantApplied(tx, email, existing[0]!.id);
      await this.audit.record({ action: 'admin_preauthorized', detail: { appliedTo: applied } }, tx);
    });
    this.outbox.kick();
    await this.revocations.publish(applied.map((accountId) => ({ accountId, reason: 'role_changed' })));
    return { appliedTo: applied };
  }

  /** The trail, filtered on indexed columns; reading it (IPs, who did what) is itself audited. */
  async listAudit(
    q: {
      limit: number;
      cursor?: string;
      actor?: string;
      actorId?: string;
      target?: string;
      targetId?: string;
      action?: string;
      from?: string;
      to?: string;
    },
    viewer: AuditActor,
  ): Promise<Page<AuditEntryView>> {
    const query: AuditQuery = {
      limit: q.limit,
      cursor: q.cursor,
      actor: q.actor,
      actorId: q.actorId,
      targetId: q.target ?? q.targetId,
      action: q.action,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    };
    const page = await this.audit.list(query);
    const filters = Object.fromEntries(
      Object.entries({ ...query, from: q.from, to: q.to, cursor: undefined, limit: undefined }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    await this.audit.record({
      actorId: viewer.accountId,
      action: 'audit_viewed',
      ip: viewer.ip,
      userAgent: viewer.userAgent,
      detail: filters,
    });
    return page;
  }
}

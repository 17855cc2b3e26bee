import { Injectable } from '@nestjs/common';
import { OutboxService, PrismaService, type Page, type Tx } from '@heyblue/platform';
import type { AuditAuthor } from '../domain/audit.js';
import { AuditTrail } from './audit-trail.js';
import type { AccountView } from '../domain/account.js';
import { AccountRoleChanged } from '../events/account-role-changed.integration-event.js';
import { AccessRevocations } from '../infrastructure/access-revocations.js';
import { PrismaAccountsRepository } from '../infrastructure/prisma-accounts.repository.js';
import {
  PrismaAuditRepository,
  type AuditEntryView,
  type AuditInput,
  type AuditQuery,
} from '../infrastructure/prisma-audit.repository.js';
import { signedInFacts } from './signed-in-facts.js';

export interface OfficerRosterEntry {
  badgeNumber: string;
  email: string;
  firstName: string;
  lastName: string;
  precinct: string;
  zip: string;
  /**
   * false retires the officer: accounts of this e-mail lose the officer role at once (their
   * sockets close, Connections takes them off the map) and new sign-ins do not get it.
   * Absent means active.
   */
  active?: boolean;
}

/** What other contexts may ask IAM synchronously. */
@Injectable()
export class IamApi {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly accounts: PrismaAccountsRepository,
    private readonly audit: PrismaAuditRepository,
    private readonly trail: AuditTrail,
    private readonly revocations: AccessRevocations,
  ) {}

  /**
   * ETL: adds or updates an officer roster entry (idempotent by e-mail). An existing
   * citizen account with a provider-verified matching e-mail becomes an officer at once; with
   * `active: false`, officer accounts of that e-mail become citizens at once.
   */
  async upsertOfficerRosterEntry(
    entry: OfficerRosterEntry,
  ): Promise<{ created: boolean; promotedAccountIds: string[]; demotedAccountIds: string[] }> {
    const promoted: string[] = [];
    const demoted: string[] = [];
    const active = entry.active ?? true;
    const result = await this.prisma.$transaction(async (tx) => {
      const r = await this.accounts.upsertRoster(tx, entry);
      const accounts = active
        ? await this.accounts.verifiedCitizensByEmailHash(tx, r.emailHash)
        : await this.accounts.officersByEmailHash(tx, r.emailHash);
      const [from, to] = active ? (['citizen', 'officer'] as const) : (['officer', 'citizen'] as const);
      for (const a of accounts) {
        await this.accounts.setRole(tx, a.id, to);
        await this.outbox.publish(
          tx,
          new AccountRoleChanged({
            accountId: a.id,
            previousRole: from,
            role: to,
            changedBy: null,
            precinct: active ? entry.precinct : null,
          }),
        );
        await this.audit.record(
          {
            action: 'role_changed',
            targetId: a.id,
            detail: { from, to, via: 'officer_roster' },
          },
          tx,
        );
        (active ? promoted : demoted).push(a.id);
      }
      return r;
    });
    if (promoted.length + demoted.length > 0) this.outbox.kick();
    // A retired officer's sockets close on every instance now (as for an admin's role change).
    if (demoted.length > 0)
      await this.revocations.publish(
        demoted.map((accountId) => ({ accountId, reason: 'role_changed' as const })),
      );
    return { created: result.created, promotedAccountIds: promoted, demotedAccountIds: demoted };
  }

  /** Adds an audit trail entry (other contexts record their own admin actions here; prefer `AuditTrail.record(entry, tx)`). */
  async recordAudit(entry: {
    actorId: string | null;
    action: string;
    targetId?: string | null;
    ip?: string | null;
    userAgent?: string | null;
    detail?: Record<string, unknown> | null;
  }): Promise<void> {
    await this.audit.record(entry as AuditInput);
  }

  /** The audit entry of an action other contexts serve (`actor` from `@Actor()`), in `tx` when given. */
  recordAdminAction(
    actor: AuditAuthor,
    action: string,
    targetId: string | null,
    detail: Record<string, unknown> | null = null,
    tx?: Tx,
  ): Promise<void> {
    return this.trail.record({ actor, action, targetId, detail }, tx);
  }

  /** The trail for the CLI's `audit` command (the command's own `cli_command` entry records the read). */
  listAudit(q: AuditQuery): Promise<Page<AuditEntryView>> {
    return this.audit.list(q);
  }

  async getAccount(id: string): Promise<AccountView | null> {
    return (await this.accounts.views([id]))[0] ?? null;
  }

  /**
   * The signed-in caller's account view from the facts read with their access token on
   * this request (no second query); any other `{id}` is looked up like `getAccount`.
   */
  async signedInAccount(caller: { id: string }): Promise<AccountView | null> {
    const f = signedInFacts(caller);
    return f ? this.accounts.toView({ id: caller.id, ...f }) : this.getAccount(caller.id);
  }

  async getAccounts(ids: string[]): Promise<AccountView[]> {
    return this.accounts.views([...new Set(ids)]);
  }

  /**
   * Which of these sessions are still live (not ended, account not suspended): Notifications
   * pushes only to devices of live sessions, so a revocation it missed still stops its pushes.
   * In `tx` when given: a consumer's delivery transaction asks on its own connection instead of
   * taking a second one from the pool while it holds the first.
   */
  async liveSessions(ids: string[], tx?: Tx): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await (tx ?? this.prisma).iamSession.findMany({
      where: { id: { in: [...new Set(ids)] }, revokedAt: null, account: { status: 'active' } },
      select: { id: true },
    });
    return new Set(rows.map((r) => r.id));
  }
}

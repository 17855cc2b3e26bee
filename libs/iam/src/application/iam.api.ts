import { Injectable } from '@nestjs/common';
import { OutboxService, PrismaService } from '@heyblue/platform';
import type { AccountView } from '../domain/account.js';
import { AccountRoleChanged } from '../events/account-role-changed.integration-event.js';
import { PrismaAccountsRepository } from '../infrastructure/prisma-accounts.repository.js';
import { PrismaAuditRepository, type AuditInput } from '../infrastructure/prisma-audit.repository.js';
import { signedInFacts } from './signed-in-facts.js';

export interface OfficerRosterEntry {
  badgeNumber: string;
  email: string;
  firstName: string;
  lastName: string;
  precinct: string;
  zip: string;
}

/** What other contexts may ask IAM synchronously. */
@Injectable()
export class IamApi {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly accounts: PrismaAccountsRepository,
    private readonly audit: PrismaAuditRepository,
  ) {}

  /**
   * ETL: adds or updates an officer roster entry (idempotent by e-mail). An existing
   * citizen account with a provider-verified matching e-mail becomes an officer at once.
   */
  async upsertOfficerRosterEntry(entry: OfficerRosterEntry): Promise<{ created: boolean; promotedAccountIds: string[] }> {
    const promoted: string[] = [];
    const result = await this.prisma.$transaction(async (tx) => {
      const r = await this.accounts.upsertRoster(tx, entry);
      const accounts = await this.accounts.verifiedCitizensByEmailHash(tx, r.emailHash);
      for (const a of accounts) {
        await this.accounts.setRole(tx, a.id, 'officer');
        await this.outbox.publish(tx, new AccountRoleChanged({ accountId: a.id, previousRole: 'citizen', role: 'officer', changedBy: null, precinct: entry.precinct }));
        await this.audit.record({ action: 'role_changed', targetId: a.id, detail: { from: 'citizen', to: 'officer', via: 'officer_roster' } }, tx);
        promoted.push(a.id);
      }
      return r;
    });
    if (promoted.length > 0) this.outbox.kick();
    return { created: result.created, promotedAccountIds: promoted };
  }

  /** Adds an audit trail entry (other contexts record their own admin actions here). */
  async recordAudit(entry: { actorId: string | null; action: string; targetId?: string | null; ip?: string | null; userAgent?: string | null; detail?: Record<string, unknown> | null }): Promise<void> {
    await this.audit.record(entry as AuditInput);
  }

  /** The audit entry of an admin action other contexts serve (`actor` from `@Actor()`). */
  recordAdminAction(
    actor: { accountId: string; ip: string | null; userAgent: string | null },
    action: string,
    targetId: string | null,
    detail: Record<string, unknown> | null = null,
  ): Promise<void> {
    return this.recordAudit({ actorId: actor.accountId, action, targetId, ip: actor.ip, userAgent: actor.userAgent, detail });
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
}

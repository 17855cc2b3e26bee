import { Injectable } from '@nestjs/common';
import { NotFound } from '@heyblue/platform';
import type { AuditActor } from '../domain/audit.js';
import { PrismaAccountDirectory, type AdminAccountView } from '../infrastructure/prisma-account-directory.js';
import { PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';

const viewerOf = (v: AuditActor) => ({ actorId: v.accountId, ip: v.ip, userAgent: v.userAgent });

/**
 * The dashboard's account search (exact e-mail) and account page: reads of personal data, so
 * each leaves an audit entry naming the admin (never the e-mail searched for, only whether it matched).
 */
@Injectable()
export class AdminAccountsQuery {
  constructor(
    private readonly directory: PrismaAccountDirectory,
    private readonly audit: PrismaAuditRepository,
  ) {}

  async byEmail(email: string, viewer: AuditActor): Promise<{ items: AdminAccountView[] }> {
    const items = await this.directory.byEmail(email);
    await this.audit.record({
      ...viewerOf(viewer),
      action: 'accounts_searched',
      targetId: items.length === 1 ? items[0]!.id : null,
      detail: { matches: items.length },
    });
    return { items };
  }

  async byId(id: string, viewer: AuditActor): Promise<AdminAccountView> {
    const a = await this.directory.byId(id);
    await this.audit.record({
      ...viewerOf(viewer),
      action: 'account_viewed',
      targetId: id,
      detail: { found: !!a },
    });
    if (!a) throw new NotFound('Account', 'ACCOUNT_NOT_FOUND');
    return a;
  }
}

import { Injectable } from '@nestjs/common';
import { PrismaService } from '@heyblue/platform';
import type { AccountStatus, Role } from '../domain/account.js';
import { IamConfig } from './iam-config.js';

/** An account as the admin dashboard lists it (no e-mail or phone: those stay encrypted). */
export interface AdminAccountView {
  id: string;
  role: Role;
  status: AccountStatus;
  createdAt: string;
  displayName: string | null;
}

const SELECT = { id: true, role: true, status: true, createdAt: true, displayName: true } as const;

const toView = (a: {
  id: string;
  role: string;
  status: string;
  createdAt: Date;
  displayName: string | null;
}): AdminAccountView => ({
  id: a.id,
  role: a.role as Role,
  status: a.status as AccountStatus,
  createdAt: a.createdAt.toISOString(),
  displayName: a.displayName,
});

/**
 * Admin look-ups of accounts. The e-mail is only ever matched through its blind index
 * (exact, normalised like sign-in): there is no plaintext column to search partially.
 */
@Injectable()
export class PrismaAccountDirectory {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: IamConfig,
  ) {}

  /** Every account with that e-mail (unlinked identities may share one), oldest first; a bounded answer. */
  async byEmail(email: string, max = 100): Promise<AdminAccountView[]> {
    const rows = await this.prisma.iamAccount.findMany({
      where: { emailHash: this.config.cipher.blindIndex('email', email) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: max,
      select: SELECT,
    });
    return rows.map(toView);
  }

  async byId(id: string): Promise<AdminAccountView | null> {
    const a = await this.prisma.iamAccount.findUnique({ where: { id }, select: SELECT });
    return a ? toView(a) : null;
  }
}

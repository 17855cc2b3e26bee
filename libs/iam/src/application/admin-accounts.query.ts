import { Injectable } from '@nestjs/common';
import { NotFound } from '@heyblue/platform';
import { PrismaAccountDirectory, type AdminAccountView } from '../infrastructure/prisma-account-directory.js';

/** The dashboard's account search (exact e-mail) and account page. Reads only: no audit entry, like the audit trail's own listing. */
@Injectable()
export class AdminAccountsQuery {
  constructor(private readonly directory: PrismaAccountDirectory) {}

  async byEmail(email: string): Promise<{ items: AdminAccountView[] }> {
    return { items: await this.directory.byEmail(email) };
  }

  async byId(id: string): Promise<AdminAccountView> {
    const a = await this.directory.byId(id);
    if (!a) throw new NotFound('Account', 'ACCOUNT_NOT_FOUND');
    return a;
  }
}

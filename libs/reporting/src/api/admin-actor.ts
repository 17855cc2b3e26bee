import type { FastifyRequest } from 'fastify';
import type { AuthenticatedAccount } from '@heyblue/iam';

/** Who asked, for the audit trail. */
export interface AdminActor {
  accountId: string;
  ip: string | null;
  userAgent: string | null;
}

export const actorOf = (account: AuthenticatedAccount, req: FastifyRequest): AdminActor => {
  const ua = req.headers['user-agent'];
  return { accountId: account.id, ip: req.ip, userAgent: typeof ua === 'string' ? ua : null };
};

import type { AccessRevocations, AccessRevokedInfo } from '../../infrastructure/access-revocations.js';
import type { AuditInput, PrismaAuditRepository } from '../../infrastructure/prisma-audit.repository.js';
import type { PrismaSessionsRepository } from '../../infrastructure/prisma-sessions.repository.js';
import { EndMySessionHandler } from './end-my-session.handler.js';

describe('EndMySessionHandler', () => {
  const me = { id: 'a1', role: 'citizen' as const, sessionId: 's-current' };
  let sessions: Map<string, { accountId: string; ended: boolean }>;
  let published: AccessRevokedInfo[];
  let audited: AuditInput[];
  let handler: EndMySessionHandler;

  beforeEach(() => {
    sessions = new Map([
      ['s-current', { accountId: 'a1', ended: false }],
      ['s-phone', { accountId: 'a1', ended: false }],
      ['s-stranger', { accountId: 'a2', ended: false }],
    ]);
    published = [];
    audited = [];
    const repo = {
      revokeOwned: async (accountId: string, id: string) => {
        const s = sessions.get(id);
        if (!s || s.accountId !== accountId) return 'not_found';
        if (s.ended) return 'already';
        s.ended = true;
        return 'ended';
      },
    } as unknown as PrismaSessionsRepository;
    handler = new EndMySessionHandler(
      repo,
      {
        publish: async (i: AccessRevokedInfo[]) => void published.push(...i),
      } as unknown as AccessRevocations,
      { record: async (e: AuditInput) => void audited.push(e) } as unknown as PrismaAuditRepository,
    );
  });

  it('ends one of my other sessions, tells every instance (sockets close) and audits it', async () => {
    await handler.execute(me, 's-phone', { ip: '10.0.0.1' });
    expect(sessions.get('s-phone')!.ended).toBe(true);
    expect(sessions.get('s-current')!.ended).toBe(false);
    expect(published).toEqual([{ accountId: 'a1', sessionId: 's-phone' }]);
    expect(audited).toEqual([
      {
        actorId: 'a1',
        action: 'session_ended',
        targetId: 'a1',
        ip: '10.0.0.1',
        detail: { sessionId: 's-phone', own: false },
      },
    ]);
  });

  it('answers 404 SESSION_NOT_FOUND for someone else’s session and leaves it alone', async () => {
    await expect(handler.execute(me, 's-stranger')).rejects.toMatchObject({
      status: 404,
      code: 'SESSION_NOT_FOUND',
    });
    expect(sessions.get('s-stranger')!.ended).toBe(false);
    expect(published).toEqual([]);
  });

  it('treats ending an already ended session of mine as done, announcing nothing twice', async () => {
    await handler.execute(me, 's-phone');
    await handler.execute(me, 's-phone');
    expect(published).toHaveLength(1);
    expect(audited).toHaveLength(1);
  });
});

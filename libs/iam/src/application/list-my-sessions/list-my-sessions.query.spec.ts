import type {
  LiveSession,
  PrismaSessionsRepository,
} from '../../infrastructure/prisma-sessions.repository.js';
import { ListMySessionsQuery, MAX_LISTED_SESSIONS } from './list-my-sessions.query.js';

describe('ListMySessionsQuery', () => {
  const signedIn = new Date('2026-12-01T10:00:00Z');
  const refreshed = new Date('2026-12-07T09:00:00Z');
  const rows: LiveSession[] = [
    { id: 's2', deviceId: 'browser-1', client: 'web', createdAt: signedIn, refreshedAt: null },
    { id: 's1', deviceId: 'phone-1', client: 'app', createdAt: signedIn, refreshedAt: refreshed },
  ];
  let asked: Array<[string, number]>;
  const query = () => {
    asked = [];
    const repo = {
      listLive: async (accountId: string, limit: number) => (asked.push([accountId, limit]), rows),
    } as unknown as PrismaSessionsRepository;
    return new ListMySessionsQuery(repo);
  };

  it('lists the caller’s live sessions with the calling one marked and the last token issue as lastUsedAt', async () => {
    const list = await query().execute({ id: 'a1', role: 'citizen', sessionId: 's1' });
    expect(asked).toEqual([['a1', MAX_LISTED_SESSIONS]]);
    expect(list).toEqual([
      {
        id: 's2',
        deviceId: 'browser-1',
        createdAt: signedIn.toISOString(),
        lastUsedAt: signedIn.toISOString(),
        current: false,
      },
      {
        id: 's1',
        deviceId: 'phone-1',
        createdAt: signedIn.toISOString(),
        lastUsedAt: refreshed.toISOString(),
        current: true,
      },
    ]);
  });
});

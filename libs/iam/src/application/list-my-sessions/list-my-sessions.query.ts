import { Injectable } from '@nestjs/common';
import type { AuthenticatedAccount } from '../../domain/account.js';
import {
  PrismaSessionsRepository,
  type LiveSession,
} from '../../infrastructure/prisma-sessions.repository.js';

/** An entry of `GET /me/sessions`. */
export interface MySessionView {
  id: string;
  deviceId: string | null;
  createdAt: string;
  /**
   * When the session last got tokens (sign-in or refresh). A client in use refreshes at least
   * once per access-token lifetime (15 min by default), so this is accurate to that; a write on
   * every request would put a row update on the hot path.
   */
  lastUsedAt: string;
  current: boolean;
}

/** Sessions an account keeps open at once are few; the list is capped rather than paged. */
export const MAX_LISTED_SESSIONS = 100;

/** The caller's live sessions, newest first, with the one making the call marked. */
@Injectable()
export class ListMySessionsQuery {
  constructor(private readonly sessions: PrismaSessionsRepository) {}

  async execute(caller: AuthenticatedAccount): Promise<MySessionView[]> {
    const live = await this.sessions.listLive(caller.id, MAX_LISTED_SESSIONS);
    return live.map((s: LiveSession) => ({
      id: s.id,
      deviceId: s.deviceId,
      createdAt: s.createdAt.toISOString(),
      lastUsedAt: (s.refreshedAt ?? s.createdAt).toISOString(),
      current: s.id === caller.sessionId,
    }));
  }
}

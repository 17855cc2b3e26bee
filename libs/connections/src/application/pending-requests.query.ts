import { Injectable } from '@nestjs/common';
import { decodeTimeIdCursor, toPage, type Page } from '@heyblue/platform';
import { roundDistance } from '../domain/geo.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { RequestStore, type StoredRequest } from '../infrastructure/request-store.js';
import { DisplayNames } from './ports.js';

/** A still-open request as one of its two parties sees it. */
export interface PendingRequestView {
  requestId: string;
  status: 'pending';
  officerId: string;
  citizen: { id: string; displayName: string };
  /** Officer's view only: the distance when the citizen asked, rounded to 10 m (a citizen is never told an exact distance to an officer). */
  distanceM?: number;
  createdAt: string;
  expiresAt: string;
}

/**
 * `GET /connections/requests?status=pending`: requests addressed to me (officer) or mine
 * (citizen), newest first, so an officer whose app slept through `connection.requested`
 * can still answer. Read from the caller's own index only: nobody lists anyone else's.
 */
@Injectable()
export class PendingRequestsQuery {
  constructor(
    private readonly requests: RequestStore,
    private readonly names: DisplayNames,
    private readonly config: ConnectionsConfig,
  ) {}

  async list(
    accountId: string,
    limit: number,
    cursor?: string,
    now = Date.now(),
  ): Promise<Page<PendingRequestView>> {
    const after = decodeTimeIdCursor(cursor);
    const pending = (await this.requests.pendingFor(accountId, this.config.requestTtlMs, now))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .filter(
        (r) =>
          !after ||
          r.createdAt < after.at.getTime() ||
          (r.createdAt === after.at.getTime() && r.id < after.id),
      );
    const rows = pending.slice(0, limit + 1);
    const names = await this.names.lookup(rows.map((r) => r.citizenId));
    return toPage(
      rows,
      limit,
      (r: StoredRequest) => ({
        requestId: r.id,
        status: 'pending' as const,
        officerId: r.officerId,
        citizen: { id: r.citizenId, displayName: names.get(r.citizenId) ?? 'Citizen' },
        ...(r.officerId === accountId ? { distanceM: roundDistance(r.distanceM) } : {}),
        createdAt: new Date(r.createdAt).toISOString(),
        expiresAt: new Date(r.expiresAt).toISOString(),
      }),
      (r) => [new Date(r.createdAt).toISOString(), r.id],
    );
  }
}

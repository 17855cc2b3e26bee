import { Injectable } from '@nestjs/common';
import { decodeTimeIdCursor, toPage, type Page } from '@heyblue/platform';
import { ConnectionRepository } from '../infrastructure/connection.repository.js';
import { toConnectionView, type ConnectionView } from './connection-requests.service.js';

/** An account's established connections, newest first (contract list shape), keyset-paged on (establishedAt, id). */
@Injectable()
export class MyConnectionsQuery {
  constructor(private readonly connections: ConnectionRepository) {}

  async list(accountId: string, limit = 20, cursor?: string): Promise<Page<ConnectionView>> {
    const rows = await this.connections.listFor(accountId, limit + 1, after(cursor));
    return toPage(
      rows,
      limit,
      (r) => toConnectionView(r, accountId),
      (r) => [r.establishedAt.toISOString(), r.id],
    );
  }
}

function after(cursor: string | undefined): { establishedAt: Date; id: string } | undefined {
  const key = decodeTimeIdCursor(cursor);
  return key ? { establishedAt: key.at, id: key.id } : undefined;
}

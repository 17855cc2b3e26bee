import { Injectable } from '@nestjs/common';
import { decodeCursor, toPage, ValidationFailed, type Page } from '@heyblue/platform';
import { ConnectionRepository } from '../infrastructure/connection.repository.js';
import { toConnectionView, type ConnectionView } from './connection-requests.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** The keyset position a cursor carries; a well-formed cursor with values we never issue is refused like any bad cursor (400, not a database error). */
function after(cursor: string | undefined): { establishedAt: Date; id: string } | undefined {
  const key = decodeCursor<[string, string]>(cursor, 2);
  if (!key) return undefined;
  const [at, id] = key;
  const establishedAt = new Date(at);
  if (typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id) || Number.isNaN(establishedAt.getTime())) {
    throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
  }
  return { establishedAt, id };
}

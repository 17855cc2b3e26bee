import { Injectable } from '@nestjs/common';
import { ValidationFailed } from '@heyblue/platform';
import { ConnectionRepository } from '../infrastructure/connection.repository.js';
import { toConnectionView, type ConnectionView } from './connection-requests.service.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An account's established connections, newest first (contract list shape). */
@Injectable()
export class MyConnectionsQuery {
  constructor(private readonly connections: ConnectionRepository) {}

  async list(accountId: string, limit = 20, cursor?: string): Promise<Page<ConnectionView>> {
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await this.connections.listFor(accountId, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => toConnectionView(r, accountId)),
      nextCursor: rows.length > limit && last ? Buffer.from(`${last.establishedAt.toISOString()}|${last.id}`).toString('base64url') : null,
    };
  }
}

function decodeCursor(cursor: string): { establishedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const establishedAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(establishedAt.getTime())) {
    throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
  }
  return { establishedAt, id };
}

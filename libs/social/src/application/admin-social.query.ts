import { Injectable } from '@nestjs/common';
import { decodeCursor, toPage, ValidationFailed, type Page } from '@heyblue/platform';
import { IamApi, type AuditActor } from '@heyblue/iam';
import { SocialAdminReader, type After } from '../infrastructure/social-admin.reader.js';
import { toPostView, type PostView } from './post-view.js';

export interface ConsentedConnectionView {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The keyset position a cursor carries; a well-formed cursor with values we never issue is refused like any bad cursor. */
function after(cursor: string | undefined): After | null {
  const key = decodeCursor<[string, string]>(cursor, 2);
  if (!key) return null;
  const [at, id] = key;
  const date = new Date(at);
  if (typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id) || Number.isNaN(date.getTime())) {
    throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
  }
  return { at: date, id };
}

/** The dashboard's lists of posts and of connections a post may be about; audited like Social's other reads. */
@Injectable()
export class AdminSocialQuery {
  constructor(
    private readonly reader: SocialAdminReader,
    private readonly iam: IamApi,
  ) {}

  async posts(q: { limit: number; cursor?: string }, actor: AuditActor): Promise<Page<PostView>> {
    const rows = await this.reader.posts(q.limit + 1, after(q.cursor));
    await this.iam.recordAdminAction(actor, 'social_posts_listed', null, null);
    return toPage(rows, q.limit, toPostView, (r) => [r.createdAt.toISOString(), r.id]);
  }

  async consentedConnections(q: { limit: number; cursor?: string }, actor: AuditActor): Promise<Page<ConsentedConnectionView>> {
    const rows = await this.reader.consentedConnections(q.limit + 1, after(q.cursor));
    await this.iam.recordAdminAction(actor, 'social_connections_listed', null, null);
    return toPage(
      rows,
      q.limit,
      (r) => ({ connectionId: r.connectionId, officerId: r.officerId, citizenId: r.citizenId, establishedAt: r.establishedAt.toISOString() }),
      (r) => [r.establishedAt.toISOString(), r.connectionId],
    );
  }
}

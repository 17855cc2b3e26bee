import { Injectable } from '@nestjs/common';
import { decodeTimeIdCursor, toPage, type Page } from '@heyblue/platform';
import { IamApi, type AuditActor } from '@heyblue/iam';
import { SocialAdminReader } from '../infrastructure/social-admin.reader.js';
import { toPostView, type PostView } from './post-view.js';

export interface ConsentedConnectionView {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
}

/** The dashboard's lists of posts and of connections a post may be about; audited like Social's other reads. */
@Injectable()
export class AdminSocialQuery {
  constructor(
    private readonly reader: SocialAdminReader,
    private readonly iam: IamApi,
  ) {}

  async posts(q: { limit: number; cursor?: string }, actor: AuditActor): Promise<Page<PostView>> {
    const rows = await this.reader.posts(q.limit + 1, decodeTimeIdCursor(q.cursor));
    await this.iam.recordAdminAction(actor, 'social_posts_listed', null, null);
    return toPage(rows, q.limit, toPostView, (r) => [r.createdAt.toISOString(), r.id]);
  }

  async consentedConnections(
    q: { limit: number; cursor?: string },
    actor: AuditActor,
  ): Promise<Page<ConsentedConnectionView>> {
    const rows = await this.reader.consentedConnections(q.limit + 1, decodeTimeIdCursor(q.cursor));
    await this.iam.recordAdminAction(actor, 'social_connections_listed', null, null);
    return toPage(
      rows,
      q.limit,
      (r) => ({
        connectionId: r.connectionId,
        officerId: r.officerId,
        citizenId: r.citizenId,
        establishedAt: r.establishedAt.toISOString(),
      }),
      (r) => [r.establishedAt.toISOString(), r.connectionId],
    );
  }
}

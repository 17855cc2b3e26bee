import { Injectable } from '@nestjs/common';
import { ReadReplicas } from '@heyblue/platform';

export interface ConsentedConnectionRow {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: Date;
}

/** Keyset position of the admin lists: newest first by (time, id). */
export interface After {
  at: Date;
  id: string;
}

/**
 * The admin lists over Social's own tables (posts with deliveries; consented connections). They
 * may lag by a second: from a replica when one is in rotation (one post, GET posts/:id, is read on
 * the primary).
 */
@Injectable()
export class SocialAdminReader {
  constructor(private readonly replicas: ReadReplicas) {}

  /** `take` posts newest first, after the keyset position. */
  posts(take: number, after: After | null) {
    return this.replicas.read((db) =>
      db.socialPost.findMany({
        where: after
          ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] }
          : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take,
        include: { deliveries: { orderBy: { platform: 'asc' } } },
      }),
    );
  }

  /** `take` connections whose officer and citizen both share consent now, newest first. */
  consentedConnections(take: number, after: After | null): Promise<ConsentedConnectionRow[]> {
    const at = after?.at ?? null;
    const id = after?.id ?? null;
    return this.replicas.read(
      (db) => db.$queryRaw<ConsentedConnectionRow[]>`
      SELECT c.connection_id AS "connectionId", c.officer_id AS "officerId", c.citizen_id AS "citizenId", c.established_at AS "establishedAt"
      FROM social_connection c
      JOIN social_consent o ON o.account_id = c.officer_id AND o.share_consent
      JOIN social_consent z ON z.account_id = c.citizen_id AND z.share_consent
      WHERE ${at}::timestamptz IS NULL OR (c.established_at, c.connection_id) < (${at}::timestamptz, ${id}::uuid)
      ORDER BY c.established_at DESC, c.connection_id DESC
      LIMIT ${take}`,
    );
  }
}

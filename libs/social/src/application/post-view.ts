/** A post and its deliveries as the admin API shows it (one post, or each item of the list). */
export interface PostView {
  id: string;
  text: string;
  connectionId: string | null;
  createdAt: string;
  platforms: Array<{
    platform: string;
    status: string;
    attempts: number;
    lastError: string | null;
    externalId: string | null;
    sentAt: string | null;
  }>;
}

export function toPostView(post: {
  id: string;
  text: string;
  connectionId: string | null;
  createdAt: Date;
  deliveries: Array<{
    platform: string;
    status: string;
    attempts: number;
    lastError: string | null;
    externalId: string | null;
    sentAt: Date | null;
  }>;
}): PostView {
  return {
    id: post.id,
    text: post.text,
    connectionId: post.connectionId,
    createdAt: post.createdAt.toISOString(),
    platforms: post.deliveries.map((d) => ({
      platform: d.platform,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      externalId: d.externalId,
      sentAt: d.sentAt?.toISOString() ?? null,
    })),
  };
}

import type { SocialPlatform } from '../domain/platforms.js';

export interface OutgoingPost {
  id: string;
  text: string;
  createdAt: string;
}

/** A platform refused the post for good (bad credentials, rejected content): retrying will not help. */
export class PermanentPublishError extends Error {}

/** Port: one social platform able to publish a text post. */
export interface SocialPublisher {
  readonly platform: SocialPlatform;
  /** Publishes; returns the platform's id of the new post when it gives one. */
  publish(post: OutgoingPost, signal: AbortSignal): Promise<{ externalId: string | null }>;
}

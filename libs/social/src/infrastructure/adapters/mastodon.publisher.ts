import type { OutgoingPost, SocialPublisher } from '../../application/social-publisher.port.js';
import { joinUrl, postJson } from './http.js';

/** Mastodon statuses API: POST /api/v1/statuses with a bearer token; Idempotency-Key makes retries safe. */
export class MastodonPublisher implements SocialPublisher {
  readonly platform = 'mastodon' as const;
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async publish(post: OutgoingPost, signal: AbortSignal) {
    const body = await postJson(
      joinUrl(this.baseUrl, '/api/v1/statuses'),
      JSON.stringify({ status: post.text, visibility: 'public' }),
      { authorization: `Bearer ${this.token}`, 'idempotency-key': post.id },
      signal,
    );
    return { externalId: typeof body.id === 'string' ? body.id : null };
  }
}

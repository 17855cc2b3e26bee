import type { OutgoingPost, SocialPublisher } from '../../application/social-publisher.port.js';
import { joinUrl, postJson } from './http.js';

/** X API v2: POST /2/tweets `{text}` with an OAuth 2.0 user-context bearer token. */
export class XPublisher implements SocialPublisher {
  readonly platform = 'x' as const;
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async publish(post: OutgoingPost, signal: AbortSignal) {
    const body = await postJson(
      joinUrl(this.baseUrl, '/2/tweets'),
      JSON.stringify({ text: post.text }),
      { authorization: `Bearer ${this.token}` },
      signal,
    );
    const data = body.data as { id?: unknown } | undefined;
    return { externalId: typeof data?.id === 'string' ? data.id : null };
  }
}

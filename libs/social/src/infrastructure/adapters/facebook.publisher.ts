import type { OutgoingPost, SocialPublisher } from '../../application/social-publisher.port.js';
import { joinUrl, postJson } from './http.js';

/** Facebook Graph API: POST /{page-id}/feed `message=...` with the Page access token as bearer. */
export class FacebookPublisher implements SocialPublisher {
  readonly platform = 'facebook' as const;
  constructor(
    private readonly baseUrl: string,
    private readonly pageId: string,
    private readonly token: string,
  ) {}

  async publish(post: OutgoingPost, signal: AbortSignal) {
    const form = new URLSearchParams({ message: post.text }).toString();
    const body = await postJson(
      joinUrl(this.baseUrl, `/${this.pageId}/feed`),
      form,
      { authorization: `Bearer ${this.token}` },
      signal,
      'application/x-www-form-urlencoded',
    );
    return { externalId: typeof body.id === 'string' ? body.id : null };
  }
}

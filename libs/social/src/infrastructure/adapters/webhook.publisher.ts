import { createHmac } from 'node:crypto';
import type { OutgoingPost, SocialPublisher } from '../../application/social-publisher.port.js';
import { postJson } from './http.js';

/**
 * Generic webhook for Zapier-style automation: JSON `{postId, text, createdAt}`, signed with
 * `X-HeyBlue-Signature: sha256=<hex HMAC of the body>` when a secret is set; `X-HeyBlue-Delivery`
 * carries the post id so the receiver can drop repeats.
 */
export class WebhookPublisher implements SocialPublisher {
  readonly platform = 'webhook' as const;
  constructor(
    private readonly url: string,
    private readonly secret: string | undefined,
  ) {}

  async publish(post: OutgoingPost, signal: AbortSignal) {
    const body = JSON.stringify({ postId: post.id, text: post.text, createdAt: post.createdAt });
    const headers: Record<string, string> = { 'x-heyblue-delivery': post.id };
    if (this.secret)
      headers['x-heyblue-signature'] =
        `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`;
    const answer = await postJson(this.url, body, headers, signal);
    return { externalId: typeof answer.id === 'string' ? answer.id : null };
  }
}

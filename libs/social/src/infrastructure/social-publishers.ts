import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  createResiliencePolicy,
  TaskCancelledError,
  type Env,
  type ResiliencePolicy,
} from '@heyblue/platform';
import type { OutgoingPost, SocialPublisher } from '../application/social-publisher.port.js';
import type { SocialPlatform } from '../domain/platforms.js';
import { FacebookPublisher } from './adapters/facebook.publisher.js';
import { TransientPublishError } from './adapters/http.js';
import { MastodonPublisher } from './adapters/mastodon.publisher.js';
import { WebhookPublisher } from './adapters/webhook.publisher.js';
import { XPublisher } from './adapters/x.publisher.js';

/**
 * The configured platforms, each behind the foundation's resilience policy (timeout, a
 * short in-call retry, circuit breaker). Only transient failures count against the breaker;
 * unconfigured platforms simply do not exist here.
 */
@Injectable()
export class SocialPublishers {
  private readonly entries = new Map<
    SocialPlatform,
    { publisher: SocialPublisher; policy: ResiliencePolicy }
  >();

  constructor(config: ConfigService<Env, true>) {
    const get = <K extends keyof Env>(k: K) => config.get(k, { infer: true }) as Env[K];
    const publishers: SocialPublisher[] = [];
    const mastodonUrl = get('MASTODON_BASE_URL');
    const mastodonToken = get('MASTODON_ACCESS_TOKEN');
    if (mastodonUrl && mastodonToken) publishers.push(new MastodonPublisher(mastodonUrl, mastodonToken));
    const xToken = get('X_ACCESS_TOKEN');
    if (xToken) publishers.push(new XPublisher(get('X_API_BASE_URL') ?? 'https://api.x.com', xToken));
    const pageId = get('FACEBOOK_PAGE_ID');
    const pageToken = get('FACEBOOK_PAGE_ACCESS_TOKEN');
    if (pageId && pageToken)
      publishers.push(
        new FacebookPublisher(
          get('FACEBOOK_GRAPH_BASE_URL') ?? 'https://graph.facebook.com/v21.0',
          pageId,
          pageToken,
        ),
      );
    const hook = get('SOCIAL_WEBHOOK_URL');
    if (hook) publishers.push(new WebhookPublisher(hook, get('SOCIAL_WEBHOOK_SECRET')));
    const backoff = get('SOCIAL_BACKOFF_MS');
    for (const publisher of publishers) {
      const policy = createResiliencePolicy(
        `social.${publisher.platform}`,
        {
          timeoutMs: get('SOCIAL_TIMEOUT_MS'),
          retries: 1,
          backoffMs: Math.min(backoff, 1_000),
          breakerThreshold: 5,
          halfOpenAfterMs: backoff * 2,
        },
        (err) => err instanceof TransientPublishError || err instanceof TaskCancelledError,
      );
      this.entries.set(publisher.platform, { publisher, policy });
    }
  }

  available(): Set<SocialPlatform> {
    return new Set(this.entries.keys());
  }

  publish(platform: SocialPlatform, post: OutgoingPost): Promise<{ externalId: string | null }> {
    const entry = this.entries.get(platform);
    if (!entry) return Promise.reject(new Error(`${platform} is not configured`));
    return entry.policy.execute((signal) => entry.publisher.publish(post, signal));
  }
}

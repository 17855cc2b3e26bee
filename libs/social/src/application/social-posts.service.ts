import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { NotFound } from '@heyblue/platform';
import { IamApi, type AuditActor } from '@heyblue/iam';
import {
  bothMustConsent,
  platformsMustBeAvailable,
  SOCIAL_PLATFORMS,
  TEXT_LIMITS,
  textMustFitEveryPlatform,
  type SocialPlatform,
} from '../domain/platforms.js';
import { SocialDeliveryProcessor } from '../infrastructure/social-delivery.processor.js';
import { SocialPublishers } from '../infrastructure/social-publishers.js';
import { SocialRepository } from '../infrastructure/social.repository.js';
import { toPostView } from './post-view.js';

/** Admin-triggered posts: checks, queueing, status; every call audited. */
@Injectable()
export class SocialPostsService {
  constructor(
    private readonly repo: SocialRepository,
    private readonly publishers: SocialPublishers,
    private readonly deliveries: SocialDeliveryProcessor,
    private readonly iam: IamApi,
  ) {}

  async create(
    input: { platforms: SocialPlatform[]; text: string; connectionId?: string },
    actor: AuditActor,
  ): Promise<{ postId: string }> {
    const platforms = [...new Set(input.platforms)];
    const text = input.text.trim();
    platformsMustBeAvailable(platforms, this.publishers.available());
    textMustFitEveryPlatform(text, platforms);
    if (input.connectionId) bothMustConsent(await this.repo.consentsFor(input.connectionId));
    const postId = randomUUID();
    await this.repo.createPost({
      id: postId,
      text,
      connectionId: input.connectionId ?? null,
      createdBy: actor.accountId,
      platforms,
    });
    for (const platform of platforms) await this.deliveries.enqueue({ postId, platform });
    await this.iam.recordAdminAction(actor, 'social_post_created', postId, {
      platforms,
      connectionId: input.connectionId ?? null,
    });
    return { postId };
  }

  async get(id: string, actor: AuditActor) {
    const post = await this.repo.post(id);
    if (!post) throw new NotFound('Post', 'POST_NOT_FOUND');
    await this.iam.recordAdminAction(actor, 'social_post_viewed', id, null);
    return toPostView(post);
  }

  async platforms(actor: AuditActor) {
    const available = this.publishers.available();
    await this.iam.recordAdminAction(actor, 'social_platforms_viewed', null, null);
    return SOCIAL_PLATFORMS.map((id) => ({ id, available: available.has(id), maxLength: TEXT_LIMITS[id] }));
  }
}

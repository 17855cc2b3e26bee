import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Bull from 'bull';
import {
  DeadLetterService,
  EventConsumers,
  QueueFactory,
  STALLED_TOO_OFTEN,
  withTimeout,
  type Env,
} from '@heyblue/platform';
import { ConnectionEstablished } from '@heyblue/connections';
import { ProfileUpdated } from '@heyblue/profile';
import { PermanentPublishError } from '../application/social-publisher.port.js';
import type { SocialPlatform } from '../domain/platforms.js';
import { SOCIAL_DEAD_LETTER_SOURCE, SOCIAL_QUEUE, type DeliveryJob } from '../social.constants.js';
import { SocialPublishers } from './social-publishers.js';
import { SocialRepository } from './social.repository.js';

/**
 * Delivers posts per platform as bull jobs (retries with exponential backoff); a delivery
 * that fails every attempt, or that the platform refuses for good, is dead-lettered and can
 * be replayed from the admin dead-letter endpoints. Also keeps the consent projections.
 */
@Injectable()
export class SocialDeliveryProcessor implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('SocialDelivery');

  constructor(
    private readonly queues: QueueFactory,
    private readonly repo: SocialRepository,
    private readonly publishers: SocialPublishers,
    private readonly deadLetters: DeadLetterService,
    private readonly consumers: EventConsumers,
    private readonly config: ConfigService<Env, true>,
  ) {}

  onModuleInit(): void {
    this.consumers.subscribe('social.connection-established', ConnectionEstablished, async (e, tx) => {
      await this.repo.rememberConnection(tx, {
        connectionId: e.payload.connectionId,
        officerId: e.payload.officerId,
        citizenId: e.payload.citizenId,
        establishedAt: new Date(e.payload.establishedAt),
      });
    });
    this.consumers.subscribe(
      'social.profile-updated',
      ProfileUpdated,
      async (e, tx) => {
        await this.repo.rememberConsent(
          tx,
          e.payload.accountId,
          e.payload.shareConsent,
          new Date(e.payload.updatedAt ?? e.occurredAt),
        );
      },
      { locks: (e) => [e.payload.accountId] },
    );
    this.deadLetters.registerReplayer(SOCIAL_DEAD_LETTER_SOURCE, async (dl) => {
      const { postId, platform } = dl.payload as DeliveryJob;
      await this.repo.requeue(postId, platform);
      await this.enqueue({ postId, platform }, `${postId}:${platform}:replay:${dl.id}:${dl.replayCount}`);
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.get('EVENT_WORKERS_ENABLED', { infer: true })) return;
    const queue = this.queues.get(SOCIAL_QUEUE);
    // Bull gives up a job whose worker stalled (died or starved past its lock) more often than
    // maxStalledCount without calling run() again: dead-letter it, or the delivery stays queued.
    queue.on('failed', (job: Bull.Job<DeliveryJob> | null, err: Error | undefined) => {
      if (job && err?.message === STALLED_TOO_OFTEN) void this.giveUpStalled(job.data, err.message);
    });
    void queue.process(4, (job: Bull.Job<DeliveryJob>) => this.run(job));
  }

  private async giveUpStalled({ postId, platform }: DeliveryJob, message: string): Promise<void> {
    try {
      const delivery = await this.repo.delivery(postId, platform);
      if (!delivery || delivery.status === 'sent' || delivery.status === 'dead') return;
      await this.repo.recordAttempt(postId, platform, { status: 'dead', error: message });
      await this.deadLetter({ postId, platform }, message, delivery.attempts + 1);
    } catch (err) {
      this.logger.error(
        { postId, platform, err: (err as Error).message },
        'could not dead-letter a stalled social delivery',
      );
    }
  }

  async enqueue(job: DeliveryJob, jobId = `${job.postId}:${job.platform}`): Promise<void> {
    await withTimeout(
      this.queues.get(SOCIAL_QUEUE).add(job, {
        jobId,
        attempts: this.config.get('SOCIAL_MAX_ATTEMPTS', { infer: true }),
        backoff: { type: 'exponential', delay: this.config.get('SOCIAL_BACKOFF_MS', { infer: true }) },
        removeOnComplete: 1_000,
        removeOnFail: 1_000,
      }),
      5_000,
      'queue unavailable',
    );
  }

  private async run(job: Bull.Job<DeliveryJob>): Promise<void> {
    const { postId, platform } = job.data;
    const [delivery, post] = await Promise.all([
      this.repo.delivery(postId, platform),
      this.repo.post(postId),
    ]);
    if (!delivery || !post || delivery.status === 'sent') return; // at-least-once: a repeat of a sent delivery does nothing
    try {
      const { externalId } = await this.publishers.publish(platform as SocialPlatform, {
        id: post.id,
        text: post.text,
        createdAt: post.createdAt.toISOString(),
      });
      await this.repo.recordAttempt(postId, platform, { status: 'sent', externalId });
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      const permanent = err instanceof PermanentPublishError;
      const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await this.repo.recordAttempt(postId, platform, { status: last ? 'dead' : 'failed', error: message });
      if (last) await this.deadLetter({ postId, platform }, message, delivery.attempts + 1);
      if (!permanent) throw err;
    }
  }

  private async deadLetter(
    { postId, platform }: DeliveryJob,
    message: string,
    attempts: number,
  ): Promise<void> {
    this.logger.warn({ postId, platform, err: message }, 'social delivery dead-lettered');
    await this.deadLetters.record({
      source: SOCIAL_DEAD_LETTER_SOURCE,
      target: platform,
      payload: { postId, platform },
      error: message,
      attempts,
    });
  }
}

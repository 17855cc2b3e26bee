import { Module } from '@nestjs/common';
import { QuotesController } from './api/quotes.controller.js';
import { SocialController } from './api/social.controller.js';
import { SocialPostsService } from './application/social-posts.service.js';
import { SocialDeliveryProcessor } from './infrastructure/social-delivery.processor.js';
import { SocialPublishers } from './infrastructure/social-publishers.js';
import { SocialRepository } from './infrastructure/social.repository.js';

/** Admin-triggered social posts through resilient platform adapters, and quotes. */
@Module({
  controllers: [SocialController, QuotesController],
  providers: [SocialRepository, SocialPublishers, SocialDeliveryProcessor, SocialPostsService],
})
export class SocialModule {}

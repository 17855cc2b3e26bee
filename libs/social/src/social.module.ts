import { Module } from '@nestjs/common';
import { AdminSocialListsController } from './api/admin-social-lists.controller.js';
import { QuotesController } from './api/quotes.controller.js';
import { SocialController } from './api/social.controller.js';
import { AdminSocialQuery } from './application/admin-social.query.js';
import { SocialPostsService } from './application/social-posts.service.js';
import { SocialDeliveryProcessor } from './infrastructure/social-delivery.processor.js';
import { SocialAdminReader } from './infrastructure/social-admin.reader.js';
import { SocialPublishers } from './infrastructure/social-publishers.js';
import { SocialRepository } from './infrastructure/social.repository.js';

/** Admin-triggered social posts through resilient platform adapters, and quotes. */
@Module({
  controllers: [SocialController, AdminSocialListsController, QuotesController],
  providers: [
    SocialRepository,
    SocialPublishers,
    SocialDeliveryProcessor,
    SocialPostsService,
    SocialAdminReader,
    AdminSocialQuery,
  ],
})
export class SocialModule {}

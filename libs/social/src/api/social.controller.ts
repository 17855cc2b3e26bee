import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor, Auth, type AuditActor, Audited } from '@heyblue/iam';
import { SocialPostsService } from '../application/social-posts.service.js';
import { CreatePostDto, PlatformDto, PostAcceptedDto, PostDto, PostIdParam } from './dto/social.dto.js';

@ApiTags('admin')
@Controller('admin/social')
@Auth('admin')
export class SocialController {
  constructor(private readonly posts: SocialPostsService) {}

  @Post('posts')
  @Audited('social_post_created')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Queue a post to one or more platforms (each retried with backoff, dead-lettered after SOCIAL_MAX_ATTEMPTS)',
  })
  @ApiAcceptedResponse({ type: PostAcceptedDto })
  @ApiUnprocessableEntityResponse({ description: 'CONSENT_REQUIRED, TEXT_TOO_LONG, PLATFORM_UNAVAILABLE' })
  create(@Body() body: CreatePostDto, @Actor() actor: AuditActor): Promise<PostAcceptedDto> {
    return this.posts.create(body, actor);
  }

  @Get('posts/:id')
  @Audited('social_post_viewed')
  @ApiOperation({ summary: 'Delivery per platform: queued | sent | failed (retrying) | dead, with attempts' })
  @ApiOkResponse({ type: PostDto })
  @ApiNotFoundResponse({ description: 'POST_NOT_FOUND' })
  get(@Param() p: PostIdParam, @Actor() actor: AuditActor): Promise<PostDto> {
    return this.posts.get(p.id, actor);
  }

  @Get('platforms')
  @Audited('social_platforms_viewed')
  @ApiOperation({ summary: 'Every supported platform and whether this deployment is configured for it' })
  @ApiOkResponse({ type: [PlatformDto] })
  platforms(@Actor() actor: AuditActor): Promise<PlatformDto[]> {
    return this.posts.platforms(actor);
  }
}

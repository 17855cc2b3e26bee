import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth, CurrentAccount, type AuthenticatedAccount } from '@heyblue/iam';
import { SocialPostsService, type AdminActor } from '../application/social-posts.service.js';
import { CreatePostDto, PlatformDto, PostAcceptedDto, PostDto, PostIdParam } from './dto/social.dto.js';

const actorOf = (account: AuthenticatedAccount, req: FastifyRequest): AdminActor => {
  const ua = req.headers['user-agent'];
  return { accountId: account.id, ip: req.ip, userAgent: typeof ua === 'string' ? ua : null };
};

@ApiTags('admin')
@Controller('admin/social')
@Auth('admin')
export class SocialController {
  constructor(private readonly posts: SocialPostsService) {}

  @Post('posts')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Queue a post to one or more platforms (each retried with backoff, dead-lettered after SOCIAL_MAX_ATTEMPTS)',
  })
  @ApiAcceptedResponse({ type: PostAcceptedDto })
  @ApiUnprocessableEntityResponse({ description: 'CONSENT_REQUIRED, TEXT_TOO_LONG, PLATFORM_UNAVAILABLE' })
  create(
    @Body() body: CreatePostDto,
    @Req() req: FastifyRequest,
    @CurrentAccount() account: AuthenticatedAccount,
  ): Promise<PostAcceptedDto> {
    return this.posts.create(body, actorOf(account, req));
  }

  @Get('posts/:id')
  @ApiOperation({ summary: 'Delivery per platform: queued | sent | failed (retrying) | dead, with attempts' })
  @ApiOkResponse({ type: PostDto })
  @ApiNotFoundResponse({ description: 'POST_NOT_FOUND' })
  get(
    @Param() p: PostIdParam,
    @Req() req: FastifyRequest,
    @CurrentAccount() account: AuthenticatedAccount,
  ): Promise<PostDto> {
    return this.posts.get(p.id, actorOf(account, req));
  }

  @Get('platforms')
  @ApiOperation({ summary: 'Every supported platform and whether this deployment is configured for it' })
  @ApiOkResponse({ type: [PlatformDto] })
  platforms(
    @Req() req: FastifyRequest,
    @CurrentAccount() account: AuthenticatedAccount,
  ): Promise<PlatformDto[]> {
    return this.posts.platforms(actorOf(account, req));
  }
}

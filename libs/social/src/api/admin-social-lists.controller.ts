import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '@heyblue/platform';
import { Actor, Auth, type AuditActor, Audited } from '@heyblue/iam';
import { AdminSocialQuery } from '../application/admin-social.query.js';
import { ConsentedConnectionPageDto, PostPageDto } from './dto/admin-lists.dto.js';

@ApiTags('admin')
@Controller('admin/social')
@Auth('admin')
export class AdminSocialListsController {
  constructor(private readonly lists: AdminSocialQuery) {}

  @Get('posts')
  @Audited('social_posts_listed')
  @ApiOperation({
    summary: 'Posts, newest first, each with its delivery per platform (as GET /admin/social/posts/{id})',
  })
  @ApiOkResponse({ type: PostPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: limit or cursor' })
  posts(@Query() q: PageQueryDto, @Actor() actor: AuditActor): Promise<PostPageDto> {
    return this.lists.posts(q, actor);
  }

  @Get('connections')
  @Audited('social_connections_listed')
  @ApiOperation({
    summary:
      'Recent connections whose officer and citizen both share consent (the ones a post may be about), newest first',
  })
  @ApiOkResponse({ type: ConsentedConnectionPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: limit or cursor' })
  connections(@Query() q: PageQueryDto, @Actor() actor: AuditActor): Promise<ConsentedConnectionPageDto> {
    return this.lists.consentedConnections(q, actor);
  }
}

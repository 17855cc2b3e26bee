import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  Actor,
  Auth,
  CurrentAccount,
  type AuditActor,
  type AuthenticatedAccount,
  Audited,
} from '@heyblue/iam';
import { ProfileService } from '../application/profile.service.js';
import type { MeView } from '../application/profile.service.js';
import type { ProfileView, PublicProfileView } from '../application/profile.views.js';
import { MeDto, ProfileDto, PublicProfileDto } from './dto/profile.responses.js';
import { ProfileIdParam, UpdateProfileDto } from './dto/update-profile.dto.js';

@ApiTags('profile')
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Get('me')
  @Auth()
  @ApiOperation({
    summary: 'My account (masked phone) and profile; a default profile exists right after first sign-in',
  })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentAccount() account: AuthenticatedAccount): Promise<MeView> {
    return this.profiles.me(account);
  }

  @Patch('me/profile')
  @Audited('profile_updated')
  @Auth()
  @ApiOperation({ summary: 'Edit my profile (display name 2-40, bio ≤ 280, https avatar URL, 5-digit ZIP)' })
  @ApiOkResponse({ type: ProfileDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED with errors[{field, message}]' })
  update(
    @CurrentAccount() account: AuthenticatedAccount,
    @Body() body: UpdateProfileDto,
    @Actor() actor: AuditActor,
  ): Promise<ProfileView> {
    return this.profiles.update(account, body, actor);
  }

  @Get('profiles/:id')
  @Auth()
  @ApiOperation({ summary: "Someone's public profile" })
  @ApiOkResponse({ type: PublicProfileDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: id is not a UUID' })
  @ApiNotFoundResponse({ description: 'PROFILE_NOT_FOUND' })
  publicProfile(@Param() p: ProfileIdParam): Promise<PublicProfileView> {
    return this.profiles.publicProfile(p.id);
  }
}

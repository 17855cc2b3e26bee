import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { SOCIAL_PLATFORMS, type SocialPlatform } from '../../domain/platforms.js';

export class CreatePostDto {
  @ApiProperty({
    enum: SOCIAL_PLATFORMS,
    isArray: true,
    maxItems: SOCIAL_PLATFORMS.length,
    description: 'Configured platforms only (see GET /admin/social/platforms)',
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(SOCIAL_PLATFORMS.length)
  @IsIn(SOCIAL_PLATFORMS, { each: true })
  platforms!: SocialPlatform[];

  @ApiProperty({
    description:
      'Plain text; must fit every chosen platform (mastodon 500, x 280, facebook 63206, webhook 10000 characters)',
    maxLength: 63_206,
  })
  @IsString()
  @Matches(/\S/, { message: 'text must not be blank' })
  @MaxLength(63_206)
  text!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    maxLength: 36,
    description: 'The connection the post is about: both its officer and citizen must have shareConsent',
  })
  @IsOptional()
  @IsUUID()
  connectionId?: string;
}

export class PostIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID()
  id!: string;
}

export class PostAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  postId!: string;
}

export class DeliveryDto {
  @ApiProperty({ enum: SOCIAL_PLATFORMS })
  platform!: string;
  @ApiProperty({
    enum: ['queued', 'sent', 'failed', 'dead'],
    description: 'failed = retrying; dead = dead-lettered (replayable)',
  })
  status!: string;
  @ApiProperty()
  attempts!: number;
  @ApiPropertyOptional({ nullable: true, type: String })
  lastError!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: "The platform's id of the published post",
  })
  externalId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  sentAt!: string | null;
}

export class PostDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  text!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' })
  connectionId!: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  @ApiProperty({ type: [DeliveryDto] })
  platforms!: DeliveryDto[];
}

export class PlatformDto {
  @ApiProperty({ enum: SOCIAL_PLATFORMS })
  id!: string;
  @ApiProperty({ description: 'False when this deployment has no credentials for it' })
  available!: boolean;
  @ApiProperty()
  maxLength!: number;
}

export class QuoteDto {
  @ApiProperty()
  text!: string;
  @ApiProperty()
  author!: string;
}

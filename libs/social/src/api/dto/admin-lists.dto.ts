import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '@heyblue/platform';
import { PostDto } from './social.dto.js';

export class PostPageDto implements Page<PostDto> {
  @ApiProperty({ type: [PostDto], description: 'Newest first' }) items!: PostDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ConsentedConnectionDto {
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ format: 'uuid' }) officerId!: string;
  @ApiProperty({ format: 'uuid' }) citizenId!: string;
  @ApiProperty({ format: 'date-time' }) establishedAt!: string;
}

export class ConsentedConnectionPageDto implements Page<ConsentedConnectionDto> {
  @ApiProperty({ type: [ConsentedConnectionDto], description: 'Newest first' })
  items!: ConsentedConnectionDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

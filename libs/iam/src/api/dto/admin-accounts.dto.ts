import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, MaxLength } from 'class-validator';
import { ROLES, type AccountStatus, type Role } from '../../domain/account.js';

export class AccountSearchQueryDto {
  @ApiProperty({
    description: 'Exact e-mail (case and surrounding spaces ignored); matched through the blind index',
    example: 'jane@example.org',
    format: 'email',
    maxLength: 320,
  })
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;
}

export class AdminAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: AccountStatus;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The name the identity provider gave at sign-in, if any',
  })
  displayName!: string | null;
}

export class AdminAccountListDto {
  @ApiProperty({
    type: [AdminAccountDto],
    description: 'Oldest first; empty when no account has that e-mail',
  })
  items!: AdminAccountDto[];
}

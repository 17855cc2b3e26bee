import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TrophyDto {
  @ApiProperty({
    example: 'FIRST_CONNECTION',
    enum: [
      'FIRST_CONNECTION',
      'CONNECTIONS_10',
      'CONNECTIONS_50',
      'THREE_ZIPS',
      'FIRST_DONATION',
      'DONATED_1000',
    ],
  })
  code!: string;
  @ApiProperty({ example: 'First connection' })
  name!: string;
  @ApiProperty({ format: 'date-time' })
  awardedAt!: string;
}

export class ProfileDto {
  @ApiProperty({ format: 'uuid', description: 'The account id' })
  id!: string;
  @ApiProperty()
  displayName!: string;
  @ApiProperty({ nullable: true, type: String })
  bio!: string | null;
  @ApiProperty({ nullable: true, type: String })
  avatarUrl!: string | null;
  @ApiProperty({ nullable: true, type: String })
  zip!: string | null;
  @ApiProperty({ enum: ['citizen', 'officer', 'admin'] })
  role!: string;
  @ApiPropertyOptional({ nullable: true, type: String })
  precinct!: string | null;
  @ApiProperty({
    description: 'Projection of the ledger (converges within seconds); GET /rewards/balance is the truth',
  })
  pointsBalance!: number;
  @ApiProperty()
  connectionsCount!: number;
  @ApiProperty({ type: [TrophyDto] })
  trophies!: TrophyDto[];
  @ApiProperty()
  shareConsent!: boolean;
}

export class MeAccountDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: ['citizen', 'officer', 'admin'] })
  role!: string;
  @ApiProperty({ nullable: true, type: String, example: '+1******4567', description: 'Masked' })
  phone!: string | null;
}

export class MeDto {
  @ApiProperty({ type: MeAccountDto })
  account!: MeAccountDto;
  @ApiProperty({ type: ProfileDto })
  profile!: ProfileDto;
}

export class PublicProfileDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  displayName!: string;
  @ApiProperty({ nullable: true, type: String })
  avatarUrl!: string | null;
  @ApiProperty({ enum: ['citizen', 'officer', 'admin'] })
  role!: string;
  @ApiProperty()
  connectionsCount!: number;
  @ApiProperty({ type: [TrophyDto] })
  trophies!: TrophyDto[];
}

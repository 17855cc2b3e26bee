import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { PageQueryDto } from '@heyblue/platform';
import { NEARBY_RADIUS, WINDOW_MINUTES } from '../../connections.constants.js';

class PositionDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 40.7128 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  lat!: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: -74.006 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  lng!: number;

  @ApiPropertyOptional({
    description:
      '5-digit US ZIP (kept only as the coarse area of a connection). Without it the server derives ZIP, county and state from the coordinates (US only, offline data); one given is kept but flagged when it belongs to another state than the coordinates',
    example: '10007',
    pattern: '^\\d{5}$',
    maxLength: 5,
  })
  @IsOptional()
  @Matches(/^\d{5}$/, { message: 'zip must be a 5-digit US ZIP' })
  zip?: string;
}

export class OpenAvailabilityDto extends PositionDto {
  @ApiPropertyOptional({
    minimum: WINDOW_MINUTES.min,
    maximum: WINDOW_MINUTES.max,
    default: WINDOW_MINUTES.default,
  })
  @IsOptional()
  @IsInt()
  @Min(WINDOW_MINUTES.min)
  @Max(WINDOW_MINUTES.max)
  minutes?: number;
}

export class PresenceDto extends PositionDto {}

/** Only a radius: answers are about the caller's own last position (a `lat`/`lng` query is refused with 400). */
export class NearbyQueryDto {
  @ApiPropertyOptional({
    description: 'metres, around my own last position',
    minimum: NEARBY_RADIUS.min,
    maximum: NEARBY_RADIUS.max,
    default: NEARBY_RADIUS.default,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(NEARBY_RADIUS.min)
  @Max(NEARBY_RADIUS.max)
  radius?: number;
}

export class CreateRequestDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID()
  officerId!: string;
}

export class SocketDetailsDto {
  @ApiProperty({ example: 'https://api.heyblue.app' }) url!: string;
  @ApiProperty({ example: '/socket.io' }) path!: string;
  @ApiProperty({ example: '/connections' }) namespace!: string;
}

export class NearbyOfficerDto {
  @ApiProperty({ format: 'uuid' }) officerId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ description: "metres from my position to the officer's coarse position, rounded to 10 m" })
  distanceM!: number;
  @ApiProperty({
    description:
      'coarse position: the centre of a fixed grid cell about 100 m across (never the exact position)',
  })
  lat!: number;
  @ApiProperty({
    description:
      'coarse position: the centre of a fixed grid cell about 100 m across (never the exact position)',
  })
  lng!: number;
}

export class NearbyDto {
  @ApiProperty({
    type: [NearbyOfficerDto],
    description:
      'nearest first (by coarse position), at most 20; only open windows with a location ≤ 2 min old; inside the radius by coarse position',
  })
  nearby!: NearbyOfficerDto[];
}

export class PlaceDto {
  @ApiProperty({
    enum: ['US'],
    nullable: true,
    type: String,
    description: 'null: the position is not in the US (at sea, abroad); then no state, county or derived ZIP',
  })
  country!: 'US' | null;
  @ApiProperty({ type: String, nullable: true, example: 'IL', description: 'USPS state of the position' })
  state!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Cook' }) county!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '17031', description: 'county FIPS code' })
  countyFips!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '60614',
    description: 'the ZIP sent, else derived offline from the position',
  })
  zip!: string | null;
  @ApiProperty({ enum: ['app', 'derived'], nullable: true, type: String }) zipSource!:
    'app' | 'derived' | null;
  @ApiProperty({
    description: 'true when the ZIP sent belongs to another state than the position (kept, but flagged)',
  })
  zipMismatch!: boolean;
}

export class AvailabilityDto {
  @ApiProperty({ format: 'uuid' }) windowId!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: SocketDetailsDto }) socket!: SocketDetailsDto;
  @ApiProperty({
    type: PlaceDto,
    description: 'state, county and ZIP of the position (derived offline; never the position itself)',
  })
  place!: PlaceDto;
}

export class PresenceAnswerDto extends NearbyDto {
  @ApiProperty({ type: SocketDetailsDto }) socket!: SocketDetailsDto;
  @ApiProperty({ type: PlaceDto, description: 'state, county and ZIP of the position (derived offline)' })
  place!: PlaceDto;
}

export class RequestCreatedDto {
  @ApiProperty({ format: 'uuid' }) requestId!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class ConnectionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) officerId!: string;
  @ApiProperty({ format: 'uuid' }) citizenId!: string;
  @ApiProperty({ format: 'date-time' }) establishedAt!: string;
  @ApiProperty({ description: 'points the caller earned for it (0 until Rewards has awarded them)' })
  pointsAwarded!: number;
  @ApiProperty({
    description:
      'false when an anti-farming cap was reached (the citizen’s points-earning connections in 24 h, or the officer’s in 60 min): the connection stands, but neither side earns points for it',
  })
  earnsPoints!: boolean;
  @ApiProperty({
    enum: ['CITIZEN_DAILY_CAP', 'OFFICER_HOURLY_CAP'],
    nullable: true,
    type: String,
    description: 'why the connection earns nothing; null when it earns',
  })
  noPointsReason!: 'CITIZEN_DAILY_CAP' | 'OFFICER_HOURLY_CAP' | null;
}

export class AcceptedDto {
  @ApiProperty({ type: ConnectionDto }) connection!: ConnectionDto;
}

export class ConnectionPageDto {
  @ApiProperty({ type: [ConnectionDto] }) items!: ConnectionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PendingRequestsQueryDto extends PageQueryDto {
  @ApiProperty({ enum: ['pending'], description: 'only open requests are listed' })
  @IsIn(['pending'], { message: 'status must be pending' })
  status!: 'pending';
}

export class RequestCitizenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() displayName!: string;
}

export class PendingRequestDto {
  @ApiProperty({ format: 'uuid' }) requestId!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
  @ApiProperty({ format: 'uuid' }) officerId!: string;
  @ApiProperty({ type: RequestCitizenDto }) citizen!: RequestCitizenDto;
  @ApiPropertyOptional({
    description: "officer's view only: metres between the pair when the citizen asked, rounded to 10 m",
  })
  distanceM?: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class PendingRequestPageDto {
  @ApiProperty({ type: [PendingRequestDto], description: 'newest first' }) items!: PendingRequestDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PUSH_PLATFORMS, type PushPlatform } from '../../domain/device.js';

export class RegisterDeviceDto {
  @ApiProperty({ enum: PUSH_PLATFORMS, description: 'fcm: Firebase Cloud Messaging (Android); apns: Apple' })
  @IsIn(PUSH_PLATFORMS, { message: 'platform must be one of fcm, apns' })
  platform!: PushPlatform;

  @ApiProperty({
    minLength: 32,
    maxLength: 4096,
    description: 'The provider token: APNs 64-200 hex digits; FCM the registration token',
  })
  @IsString()
  @MinLength(32, { message: 'token must be at least 32 characters' })
  @MaxLength(4096, { message: 'token must be at most 4096 characters' })
  token!: string;
}

export class DeviceIdDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
}

export class DeviceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: PUSH_PLATFORMS })
  platform!: PushPlatform;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ description: 'Registered by the calling session' })
  current!: boolean;
}

export class DeviceIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  Actor,
  Audited,
  Auth,
  CurrentAccount,
  type AuditActor,
  type AuthenticatedAccount,
} from '@heyblue/iam';
import { RateLimit } from '@heyblue/platform';
import { ListDevicesQuery, type DeviceView } from '../application/list-devices/list-devices.query.js';
import { RegisterDeviceHandler } from '../application/register-device/register-device.handler.js';
import { RemoveDeviceHandler } from '../application/remove-device/remove-device.handler.js';
import { DEVICE_LIMITS } from '../notifications.constants.js';
import { DeviceDto, DeviceIdDto, DeviceIdParam, RegisterDeviceDto } from './dto/devices.dto.js';

@ApiTags('notifications')
@Controller('me/devices')
@Auth()
export class DevicesController {
  constructor(
    private readonly register: RegisterDeviceHandler,
    private readonly remove: RemoveDeviceHandler,
    private readonly list: ListDevicesQuery,
  ) {}

  @Post()
  @HttpCode(201)
  @Audited('device_registered')
  @RateLimit(DEVICE_LIMITS.write)
  @ApiOperation({
    summary:
      'Register this phone for push notifications. The device belongs to the calling session (logout, ' +
      'ending the session or suspension removes it); a token another account registered moves to me; ' +
      'past NOTIFICATIONS_MAX_DEVICES_PER_ACCOUNT my least recently registered device is dropped. Pushed: ' +
      '`connection.requested` and `availability.expiring` (officers), `connection.accepted` / `connection.declined` ' +
      'and `officers.nearby` (citizens, nearby at most once per 10 minutes), `points.awarded` / `trophy.awarded` ' +
      '(only without a live socket)',
  })
  @ApiCreatedResponse({ type: DeviceIdDto, description: 'Registered (the same id when registered again)' })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED (platform, token) or INVALID_DEVICE_TOKEN (not a token of that platform)',
  })
  create(
    @CurrentAccount() me: AuthenticatedAccount,
    @Body() body: RegisterDeviceDto,
    @Actor() actor: AuditActor,
  ): Promise<DeviceIdDto> {
    return this.register.execute(me, body, actor);
  }

  @Get()
  @RateLimit(DEVICE_LIMITS.read)
  @ApiOperation({ summary: 'My push devices, most recently registered first (tokens are not shown)' })
  @ApiOkResponse({ type: [DeviceDto] })
  mine(@CurrentAccount() me: AuthenticatedAccount): Promise<DeviceView[]> {
    return this.list.execute(me);
  }

  @Delete(':id')
  @HttpCode(204)
  @Audited('device_removed')
  @RateLimit(DEVICE_LIMITS.write)
  @ApiOperation({ summary: 'Stop pushes to one of my devices' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: id is not a UUID' })
  @ApiNotFoundResponse({
    description: 'DEVICE_NOT_FOUND: no device of mine with that id (someone else’s included)',
  })
  async removeOne(
    @CurrentAccount() me: AuthenticatedAccount,
    @Param() p: DeviceIdParam,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    await this.remove.execute(me.id, p.id, actor);
  }
}

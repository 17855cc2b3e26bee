import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, Auth, Audited, type AuditActor } from '@heyblue/iam';
import { LiveMapQuery } from '../application/live-map.query.js';
import { LiveMapDto, LiveMapQueryDto } from './dto/live-map.dto.js';

@ApiTags('admin')
@Controller('admin')
@Auth('admin')
export class AdminLiveMapController {
  constructor(private readonly map: LiveMapQuery) {}

  @Get('live-map')
  @Audited('live_map_viewed')
  @ApiOperation({
    summary:
      'Available officers (positions rounded to ≈ 100 m) and active citizens (counts per 0.1° cell) inside a box; poll every few seconds',
  })
  @ApiOkResponse({ type: LiveMapDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: bbox is not west,south,east,north' })
  liveMap(@Query() q: LiveMapQueryDto, @Actor() viewer: AuditActor): Promise<LiveMapDto> {
    return this.map.view(viewer, q.bbox);
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  Actor,
  Auth,
  CurrentAccount,
  type AuditActor,
  type AuthenticatedAccount,
  Audited,
  NotAudited,
} from '@heyblue/iam';
import { ApiUuidParam, PageQueryDto, RateLimit } from '@heyblue/platform';
import { AvailabilityService } from '../application/availability.service.js';
import { ConnectionRequestsService } from '../application/connection-requests.service.js';
import { MyConnectionsQuery } from '../application/my-connections.query.js';
import { NearbyQuery } from '../application/nearby.query.js';
import { PendingRequestsQuery } from '../application/pending-requests.query.js';
import { PresenceService } from '../application/presence.service.js';
import {
  LIMITS,
  NEARBY_RADIUS,
  SOCKET_NAMESPACE,
  SOCKET_PATH,
  WINDOW_MINUTES,
} from '../connections.constants.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import {
  AcceptedDto,
  AvailabilityDto,
  ConnectionPageDto,
  CreateRequestDto,
  NearbyDto,
  NearbyQueryDto,
  OpenAvailabilityDto,
  PendingRequestPageDto,
  PendingRequestsQueryDto,
  PresenceAnswerDto,
  PresenceDto,
  RequestCreatedDto,
  SocketDetailsDto,
} from './dto/connections.dto.js';

@ApiTags('connections')
@Controller('connections')
export class ConnectionsController {
  constructor(
    private readonly availability: AvailabilityService,
    private readonly presence: PresenceService,
    private readonly nearby: NearbyQuery,
    private readonly requests: ConnectionRequestsService,
    private readonly mine: MyConnectionsQuery,
    private readonly config: ConnectionsConfig,
    private readonly pendingRequests: PendingRequestsQuery,
  ) {}

  @Post('availability')
  @Audited('availability_opened')
  @Auth('officer')
  @RateLimit(LIMITS.availability)
  @ApiOperation({
    summary:
      'Open (or renew) an availability window; answers where to send live locations (socket.io). ' +
      'CONNECTIONS_EXPIRING_NOTICE_S (60 s) before it ends the officer gets `availability.expiring` on the ' +
      'socket and the devices (once per window; not after a close, and a renewal moves it to the new end).',
  })
  @ApiCreatedResponse({ type: AvailabilityDto })
  @ApiUnprocessableEntityResponse({
    description: 'IMPLAUSIBLE_MOVE: too far from my last position for the time since (nothing changed)',
  })
  async open(
    @CurrentAccount() me: AuthenticatedAccount,
    @Body() body: OpenAvailabilityDto,
    @Req() req: FastifyRequest,
    @Actor() actor: AuditActor,
  ): Promise<AvailabilityDto> {
    const w = await this.availability.open(
      me.id,
      body,
      body.zip ?? null,
      body.minutes ?? WINDOW_MINUTES.default,
      Date.now(),
      actor,
    );
    return {
      windowId: w.windowId,
      expiresAt: w.expiresAt.toISOString(),
      socket: this.socket(req),
      place: w.place,
    };
  }

  @Delete('availability')
  @Audited('availability_closed')
  @Auth('officer')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Close the window: out of the index at once; `availability.expired` on the socket.',
  })
  @ApiNoContentResponse()
  async close(@CurrentAccount() me: AuthenticatedAccount, @Actor() actor: AuditActor): Promise<void> {
    await this.availability.close(me.id, actor);
  }

  @Post('presence')
  @NotAudited(
    'The location hot path: positions never touch PostgreSQL (privacy and load); the connection it may lead to is audited',
  )
  @Auth('citizen')
  @RateLimit(LIMITS.presence)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Share a position (short-lived) and get the officers around it plus the socket.io details.',
  })
  @ApiOkResponse({ type: PresenceAnswerDto })
  @ApiUnprocessableEntityResponse({
    description: 'IMPLAUSIBLE_MOVE: too far from my last position for the time since (nothing changed)',
  })
  async presenceAt(
    @CurrentAccount() me: AuthenticatedAccount,
    @Body() body: PresenceDto,
    @Req() req: FastifyRequest,
  ): Promise<PresenceAnswerDto> {
    return { socket: this.socket(req), ...(await this.presence.share(me.id, body)) };
  }

  @Get('nearby')
  @Auth('citizen')
  @RateLimit(LIMITS.nearby)
  @ApiOperation({
    summary:
      'Officers with an open window and a fresh location around my own last position (presence or socket), nearest first (≤ 20).',
    description:
      'Never about another point: a `lat`/`lng` query is refused (400). Officer positions, distances, order and the radius test all use coarse positions.',
  })
  @ApiOkResponse({ type: NearbyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (including a `lat`/`lng` query)' })
  @ApiUnprocessableEntityResponse({
    description: 'POSITION_UNKNOWN: no fresh position of mine (share one over presence or the socket first)',
  })
  async near(@CurrentAccount() me: AuthenticatedAccount, @Query() q: NearbyQueryDto): Promise<NearbyDto> {
    return { nearby: await this.nearby.aroundMe(me.id, q.radius ?? NEARBY_RADIUS.default) };
  }

  @Post('requests')
  @Audited('connection_requested')
  @Auth('citizen')
  @RateLimit({ name: 'connection-requests', points: 30, durationS: 60, by: 'account' })
  @ApiOperation({
    summary:
      'Ask a nearby officer to connect; the officer gets `connection.requested`; expires after 2 minutes.',
  })
  @ApiCreatedResponse({ type: RequestCreatedDto })
  @ApiUnprocessableEntityResponse({
    description: 'TOO_FAR, ALREADY_CONNECTED_TODAY, OFFICER_NOT_AVAILABLE, POSITION_UNKNOWN',
  })
  @ApiConflictResponse({ description: 'REQUEST_ALREADY_PENDING' })
  async request(
    @CurrentAccount() me: AuthenticatedAccount,
    @Body() body: CreateRequestDto,
    @Actor() actor: AuditActor,
  ): Promise<RequestCreatedDto> {
    return this.requests.request(me.id, body.officerId, undefined, actor);
  }

  @Get('requests')
  @Auth()
  @ApiOperation({
    summary: 'Open connection requests: addressed to me (officer) or mine (citizen), newest first.',
    description:
      "Lets an officer whose app slept through `connection.requested` still answer. Nobody sees anyone else's requests.",
  })
  @ApiOkResponse({ type: PendingRequestPageDto })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED (status other than pending, bad limit or cursor)',
  })
  async pending(
    @CurrentAccount() me: AuthenticatedAccount,
    @Query() q: PendingRequestsQueryDto,
  ): Promise<PendingRequestPageDto> {
    return this.pendingRequests.list(me.id, q.limit, q.cursor);
  }

  @Post('requests/:id/accept')
  @Audited('connection_request_accepted')
  @Auth('officer')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Accept: re-checks both positions, one connection per pair per 24 h, emits ConnectionEstablished.',
  })
  @ApiOkResponse({ type: AcceptedDto })
  @ApiNotFoundResponse({ description: 'REQUEST_NOT_FOUND' })
  @ApiConflictResponse({ description: 'REQUEST_EXPIRED, REQUEST_NOT_PENDING' })
  @ApiUnprocessableEntityResponse({ description: 'TOO_FAR, ALREADY_CONNECTED_TODAY, POSITION_UNKNOWN' })
  @ApiUuidParam()
  async accept(
    @CurrentAccount() me: AuthenticatedAccount,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: AuditActor,
  ): Promise<AcceptedDto> {
    return { connection: await this.requests.accept(me.id, id, undefined, actor) };
  }

  @Post('requests/:id/decline')
  @Audited('connection_request_declined')
  @Auth('officer')
  @HttpCode(204)
  @ApiOperation({ summary: 'Decline: the citizen gets `connection.declined`.' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'REQUEST_NOT_FOUND' })
  @ApiConflictResponse({ description: 'REQUEST_EXPIRED, REQUEST_NOT_PENDING' })
  @ApiUuidParam()
  async decline(
    @CurrentAccount() me: AuthenticatedAccount,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    await this.requests.decline(me.id, id, undefined, actor);
  }

  @Get()
  @Auth()
  @ApiOperation({ summary: 'My established connections, newest first.' })
  @ApiOkResponse({ type: ConnectionPageDto })
  async list(
    @CurrentAccount() me: AuthenticatedAccount,
    @Query() q: PageQueryDto,
  ): Promise<ConnectionPageDto> {
    return this.mine.list(me.id, q.limit, q.cursor);
  }

  /** The "orchestrator" answer: where the app opens its socket. */
  private socket(req: FastifyRequest): SocketDetailsDto {
    const url = this.config.publicBaseUrl ?? `${req.protocol}://${req.host}`;
    return { url: url.replace(/\/$/, ''), path: SOCKET_PATH, namespace: SOCKET_NAMESPACE };
  }
}

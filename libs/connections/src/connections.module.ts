import { Module } from '@nestjs/common';
import { NotificationsModule } from '@heyblue/notifications';
import { AvailabilityService } from './application/availability.service.js';
import { ConnectionRequestsService } from './application/connection-requests.service.js';
import { LiveMapQuery } from './application/live-map.query.js';
import { LocationHandler } from './application/location.handler.js';
import { MyConnectionsQuery } from './application/my-connections.query.js';
import { NearbyQuery } from './application/nearby.query.js';
import { AccountNotifier, DisplayNames, SocketAuth } from './application/ports.js';
import { PendingRequestsQuery } from './application/pending-requests.query.js';
import { PositionHistory } from './application/position-history.js';
import { PresenceService } from './application/presence.service.js';
import { PushPointsAwardedWhenPointsEarned } from './application/push-points-awarded.handler.js';
import { RememberDisplayNameWhenProfileUpdated } from './application/remember-display-name.handler.js';
import { WithdrawAccountWhenAccessChanged } from './application/withdraw-account/withdraw-account.handler.js';
import { AdminLiveMapController } from './api/admin-live-map.controller.js';
import { ConnectionsController } from './api/connections.controller.js';
import { ConnectionsGateway } from './api/connections.gateway.js';
import { SocketHub } from './api/socket-hub.js';
import { ConnectionRepository } from './infrastructure/connection.repository.js';
import { ConnectionsConfig } from './infrastructure/connections.config.js';
import { ConnectionsSweeper } from './infrastructure/connections.sweeper.js';
import { GeoIndex } from './infrastructure/geo-index.js';
import { IamSocketAuth } from './infrastructure/iam-socket-auth.js';
import { LastFixStore } from './infrastructure/last-fix.store.js';
import { LiveMapReader } from './infrastructure/live-map.reader.js';
import { RedisDisplayNames } from './infrastructure/redis-display-names.js';
import { RequestStore } from './infrastructure/request-store.js';
import { SocketRegistry } from './infrastructure/socket-registry.js';
import { WindowNoticeProcessor } from './infrastructure/window-notice.processor.js';
import { WindowNotices } from './infrastructure/window-notices.js';
import { WindowStore } from './infrastructure/window-store.js';
import { ConnectionsApi } from './connections.api.js';

/** Availability windows, live locations in the partitioned GEO index, proximity, connection requests. */
@Module({
  imports: [NotificationsModule],
  controllers: [ConnectionsController, AdminLiveMapController],
  providers: [
    { provide: SocketAuth, useClass: IamSocketAuth },
    ConnectionsGateway,
    ConnectionsConfig,
    GeoIndex,
    WindowStore,
    WindowNotices,
    WindowNoticeProcessor,
    RequestStore,
    ConnectionRepository,
    RedisDisplayNames,
    { provide: DisplayNames, useExisting: RedisDisplayNames },
    SocketHub,
    { provide: AccountNotifier, useExisting: SocketHub },
    LastFixStore,
    SocketRegistry,
    PositionHistory,
    NearbyQuery,
    PresenceService,
    AvailabilityService,
    ConnectionRequestsService,
    MyConnectionsQuery,
    PendingRequestsQuery,
    LocationHandler,
    ConnectionsSweeper,
    PushPointsAwardedWhenPointsEarned,
    RememberDisplayNameWhenProfileUpdated,
    WithdrawAccountWhenAccessChanged,
    LiveMapReader,
    LiveMapQuery,
    ConnectionsApi,
  ],
  exports: [ConnectionsApi],
})
export class ConnectionsModule {}

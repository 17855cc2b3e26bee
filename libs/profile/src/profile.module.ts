import { Module } from '@nestjs/common';
import { ProfileNotifier } from './application/projections/profile-notifier.js';
import { ProfileProjector } from './application/projections/profile.projector.js';
import { PrismaProfileStore } from './infrastructure/prisma-profile.store.js';
import { ProfileSubscriptions } from './infrastructure/profile-subscriptions.js';
import { SocketIoRedisNotifier } from './infrastructure/socket-io-notifier.js';

/** Public profiles: a read model fed by IAM, Connections and Rewards events; trophies. */
@Module({
  controllers: [],
  providers: [PrismaProfileStore, ProfileProjector, ProfileSubscriptions, { provide: ProfileNotifier, useClass: SocketIoRedisNotifier }],
})
export class ProfileModule {}

import { Module } from '@nestjs/common';
import { NotificationsModule } from '@heyblue/notifications';
import { ProfileController } from './api/profile.controller.js';
import { AccountDirectory } from './application/ports.js';
import { ProfileService } from './application/profile.service.js';
import { ProfileNotifier } from './application/projections/profile-notifier.js';
import { ProfileProjector } from './application/projections/profile.projector.js';
import { IamAccountDirectory } from './infrastructure/iam-account-directory.js';
import { PrismaProfileStore } from './infrastructure/prisma-profile.store.js';
import { ProfileSubscriptions } from './infrastructure/profile-subscriptions.js';
import { NotifierProfileNotifier } from './infrastructure/notifier-profile-notifier.js';

/** Public profiles: a read model fed by IAM, Connections and Rewards events; trophies. */
@Module({
  imports: [NotificationsModule],
  controllers: [ProfileController],
  providers: [
    PrismaProfileStore,
    ProfileProjector,
    ProfileSubscriptions,
    ProfileService,
    { provide: ProfileNotifier, useClass: NotifierProfileNotifier },
    { provide: AccountDirectory, useClass: IamAccountDirectory },
  ],
})
export class ProfileModule {}

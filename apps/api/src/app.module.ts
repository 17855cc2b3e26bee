import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { ConnectionsModule } from '@heyblue/connections';
import { EtlModule } from '@heyblue/etl';
import { IamModule } from '@heyblue/iam';
import { NotificationsModule } from '@heyblue/notifications';
import { PlacesModule } from '@heyblue/places';
import { PlatformModule } from '@heyblue/platform';
import { ProfileModule } from '@heyblue/profile';
import { ReportingModule } from '@heyblue/reporting';
import { RewardsModule } from '@heyblue/rewards';
import { SocialModule } from '@heyblue/social';
import { AdminUiModule } from './admin-ui/admin-ui.module.js';
import { ConnectionDrain } from './http/connection-drain.js';

export interface AppOptions {
  /** Overrides process.env (tests bind each app to its own database and Redis prefix). */
  env?: Record<string, string | undefined>;
  /** Extra modules mounted beside the contexts (tests of the platform kernel use it). */
  extraModules?: NonNullable<ModuleMetadata['imports']>;
}

/** The deployable: the platform kernel plus every bounded context. */
@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(options),
        PlacesModule,
        IamModule,
        ProfileModule,
        ConnectionsModule,
        RewardsModule,
        EtlModule,
        ReportingModule,
        SocialModule,
        NotificationsModule,
        AdminUiModule,
        ...(options.extraModules ?? []),
      ],
      providers: [ConnectionDrain],
    };
  }
}

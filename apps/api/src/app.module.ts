import { Module, type DynamicModule } from '@nestjs/common';
import { ConnectionsModule } from '@heyblue/connections';
import { EtlModule } from '@heyblue/etl';
import { IamModule } from '@heyblue/iam';
import { PlatformModule } from '@heyblue/platform';
import { ProfileModule } from '@heyblue/profile';
import { ReportingModule } from '@heyblue/reporting';
import { RewardsModule } from '@heyblue/rewards';
import { SocialModule } from '@heyblue/social';

/** The deployable: the platform kernel plus every bounded context. */
@Module({})
export class AppModule {
  static forRoot(options: { env?: Record<string, string | undefined> } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(options),
        IamModule,
        ProfileModule,
        ConnectionsModule,
        RewardsModule,
        EtlModule,
        ReportingModule,
        SocialModule,
      ],
    };
  }
}

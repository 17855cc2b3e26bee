import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { RequestAccountResolver } from '@heyblue/platform';
import { AdminAccountsQuery } from './application/admin-accounts.query.js';
import { AdminService } from './application/admin.service.js';
import { AuditTrail } from './application/audit-trail.js';
import { AuditedInterceptor } from './api/audited.interceptor.js';
import { DevSessionsService } from './application/dev-sessions.service.js';
import { EndMySessionHandler } from './application/end-my-session/end-my-session.handler.js';
import { ListMySessionsQuery } from './application/list-my-sessions/list-my-sessions.query.js';
import { IamApi } from './application/iam.api.js';
import { PiiReencryption } from './infrastructure/pii-reencryption.js';
import { PhoneVerificationService } from './application/phone-verification.service.js';
import { SessionService } from './application/session.service.js';
import { SignInService } from './application/sign-in.service.js';
import { SocketAuthenticator } from './application/socket-authenticator.js';
import { AdminAccountsController } from './api/admin-accounts.controller.js';
import { AdminController } from './api/admin.controller.js';
import { AuthController } from './api/auth.controller.js';
import { BearerAuthGuard, RolesGuard } from './api/auth.decorators.js';
import { DevSmsController } from './api/dev-sms.controller.js';
import { MySessionsController } from './api/my-sessions.controller.js';
import { DevOidcProvider } from './dev/dev-oidc.provider.js';
import { AccessRevocations } from './infrastructure/access-revocations.js';
import { BearerAccountResolver } from './infrastructure/bearer-account.resolver.js';
import { BearerStrategy } from './infrastructure/bearer.strategy.js';
import { EndedSessionsPruner } from './infrastructure/ended-sessions.pruner.js';
import { IamConfig } from './infrastructure/iam-config.js';
import { OidcClients } from './infrastructure/oidc-clients.js';
import { PrismaAccountDirectory } from './infrastructure/prisma-account-directory.js';
import { PrismaAccountsRepository } from './infrastructure/prisma-accounts.repository.js';
import { PrismaAuditRepository } from './infrastructure/prisma-audit.repository.js';
import { PrismaSessionsRepository } from './infrastructure/prisma-sessions.repository.js';
import { RedisFlowStore } from './infrastructure/redis-flow.store.js';
import { OutboxSmsAdapter } from './infrastructure/sms/outbox-sms.adapter.js';
import { SmsVerification } from './infrastructure/sms/sms-verification.port.js';
import { TwilioSmsAdapter } from './infrastructure/sms/twilio-sms.adapter.js';

/** Identity and access: OIDC sign-in, phone OTP, sessions, roles, audit. Global so any context can use `@Auth()`. */
@Global()
@Module({
  imports: [PassportModule],
  controllers: [
    AuthController,
    MySessionsController,
    AdminController,
    AdminAccountsController,
    DevSmsController,
  ],
  providers: [
    IamConfig,
    AccessRevocations,
    DevOidcProvider,
    OidcClients,
    RedisFlowStore,
    PrismaAccountsRepository,
    PrismaSessionsRepository,
    PrismaAuditRepository,
    AuditTrail,
    { provide: APP_INTERCEPTOR, useClass: AuditedInterceptor },
    OutboxSmsAdapter,
    TwilioSmsAdapter,
    {
      provide: SmsVerification,
      inject: [IamConfig, OutboxSmsAdapter, TwilioSmsAdapter],
      useFactory: (config: IamConfig, outbox: OutboxSmsAdapter, twilio: TwilioSmsAdapter) =>
        config.smsAdapter === 'outbox' ? outbox : twilio,
    },
    SessionService,
    ListMySessionsQuery,
    EndMySessionHandler,
    EndedSessionsPruner,
    SignInService,
    PhoneVerificationService,
    AdminService,
    PrismaAccountDirectory,
    AdminAccountsQuery,
    DevSessionsService,
    IamApi,
    PiiReencryption,
    SocketAuthenticator,
    BearerStrategy,
    { provide: RequestAccountResolver, useClass: BearerAccountResolver },
    BearerAuthGuard,
    RolesGuard,
  ],
  exports: [
    IamApi,
    AuditTrail,
    PiiReencryption,
    SocketAuthenticator,
    AdminService,
    DevSessionsService,
    BearerAuthGuard,
    RolesGuard,
    SessionService,
    RequestAccountResolver,
  ],
})
export class IamModule {}

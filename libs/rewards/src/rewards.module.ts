import { Module } from '@nestjs/common';
import { AdminPointsController } from './api/admin-points.controller.js';
import { AdminRetailersController } from './api/admin-retailers.controller.js';
import { DonationReportController } from './api/donation-report.controller.js';
import { RetailerKeyGuard } from './api/request-context.js';
import { RewardsController } from './api/rewards.controller.js';
import { VouchersController } from './api/vouchers.controller.js';
import { AdjustPointsHandler } from './application/adjust-points/adjust-points.handler.js';
import { DonatePointsHandler } from './application/donate-points/donate-points.handler.js';
import { IdempotentWrite } from './application/idempotency/idempotent-write.js';
import { AwardPointsWhenConnectionEstablishedHandler } from './application/earn-points/award-points-when-connection-established.handler.js';
import {
  AccountLookup,
  AuditLog,
  Clock,
  DonationStore,
  EventPublisher,
  IdempotencyStore,
  Ledger,
  OfferStock,
  Redemptions,
  RewardsSettings,
  SchemeFinder,
  UnitOfWork,
  VoucherSignature,
  VoucherStore,
} from './application/ports.js';
import { RedeemOfferHandler } from './application/redeem-offer/redeem-offer.handler.js';
import { DonationReport } from './infrastructure/donation-report.js';
import { IamAccountLookup } from './infrastructure/iam-account-lookup.js';
import { IamAuditLog } from './infrastructure/iam-audit-log.js';
import { PrismaCatalogueRepository } from './infrastructure/prisma-catalogue.repository.js';
import { PrismaLedgerRepository } from './infrastructure/prisma-ledger.repository.js';
import { PrismaRedemptions } from './infrastructure/prisma-redemptions.js';
import {
  OutboxEventPublisher,
  PrismaDonationStore,
  PrismaIdempotencyStore,
  PrismaOfferStock,
  PrismaSchemeFinder,
  PrismaUnitOfWork,
  PrismaVoucherStore,
  SystemClock,
} from './infrastructure/prisma-stores.js';
import { RetailerKeys } from './infrastructure/retailer-keys.js';
import { RetailerStatement } from './infrastructure/retailer-statement.js';
import { RetailerVouchers } from './infrastructure/retailer-vouchers.js';
import { EnvRewardsSettings } from './infrastructure/rewards-settings.js';
import { RewardsQueries } from './infrastructure/rewards.queries.js';
import { RewardsSubscriptions } from './infrastructure/rewards-subscriptions.js';
import { VoucherSigner } from './infrastructure/voucher-signer.js';
import { RewardsApi } from './rewards.api.js';

/** Points ledger, catalogue, vouchers and donations. */
@Module({
  controllers: [
    AdminPointsController,
    AdminRetailersController,
    RewardsController,
    VouchersController,
    DonationReportController,
  ],
  providers: [
    RetailerKeyGuard,
    { provide: UnitOfWork, useClass: PrismaUnitOfWork },
    { provide: Ledger, useClass: PrismaLedgerRepository },
    { provide: OfferStock, useClass: PrismaOfferStock },
    { provide: Redemptions, useClass: PrismaRedemptions },
    { provide: VoucherStore, useClass: PrismaVoucherStore },
    { provide: DonationStore, useClass: PrismaDonationStore },
    { provide: IdempotencyStore, useClass: PrismaIdempotencyStore },
    { provide: SchemeFinder, useClass: PrismaSchemeFinder },
    { provide: EventPublisher, useClass: OutboxEventPublisher },
    { provide: Clock, useClass: SystemClock },
    { provide: AuditLog, useClass: IamAuditLog },
    { provide: AccountLookup, useClass: IamAccountLookup },
    AdjustPointsHandler,
    { provide: RewardsSettings, useClass: EnvRewardsSettings },
    VoucherSigner,
    { provide: VoucherSignature, useExisting: VoucherSigner },
    IdempotentWrite,
    RedeemOfferHandler,
    DonatePointsHandler,
    AwardPointsWhenConnectionEstablishedHandler,
    PrismaCatalogueRepository,
    RewardsQueries,
    RetailerVouchers,
    RetailerKeys,
    RetailerStatement,
    DonationReport,
    RewardsSubscriptions,
    RewardsApi,
  ],
  exports: [RewardsApi],
})
export class RewardsModule {}

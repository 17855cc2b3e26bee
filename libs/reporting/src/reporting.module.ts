import { Module } from '@nestjs/common';
import { EventQueuesController } from './api/event-queues.controller.js';
import { DeadLettersController } from './api/dead-letters.controller.js';
import { ReportsController } from './api/reports.controller.js';
import { DeadLettersAdmin } from './application/dead-letters.service.js';
import { ReportsService } from './application/reports.service.js';
import { FactsRepository } from './infrastructure/facts.repository.js';
import { Pseudonymizer } from './infrastructure/pseudonymizer.js';
import { ReportingSubscriptions } from './infrastructure/reporting-subscriptions.js';
import { ReportsQueries } from './infrastructure/reports.queries.js';
import { Rollups } from './infrastructure/rollups.js';

/** Admin back office: event-fed de-identified facts, daily rollups, reports, and the dead-letter view. */
@Module({
  controllers: [ReportsController, DeadLettersController, EventQueuesController],
  providers: [
    DeadLettersAdmin,
    Pseudonymizer,
    FactsRepository,
    ReportingSubscriptions,
    Rollups,
    ReportsQueries,
    ReportsService,
  ],
})
export class ReportingModule {}

import { Module } from '@nestjs/common';
import { DeadLettersController } from './api/dead-letters.controller.js';
import { DeadLettersAdmin } from './application/dead-letters.service.js';

/** Admin back office: event-fed reports and the dead-letter view. */
@Module({
  controllers: [DeadLettersController],
  providers: [DeadLettersAdmin],
})
export class ReportingModule {}

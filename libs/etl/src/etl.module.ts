import { Module } from '@nestjs/common';
import { RewardsModule } from '@heyblue/rewards';
import { EtlController } from './api/etl.controller.js';
import { EtlJobsController } from './api/etl-jobs.controller.js';
import { EtlJobsQuery } from './application/etl-jobs.query.js';
import { EtlKindsQuery } from './application/etl-kinds.query.js';
import { EtlUploadsService } from './application/etl-uploads.service.js';
import { CatalogueWriter } from './infrastructure/catalogue-writer.js';
import { EtlJobsReader } from './infrastructure/etl-jobs.reader.js';
import { EtlJobsRepository } from './infrastructure/etl-jobs.repository.js';
import { EtlUploadProcessor } from './infrastructure/etl-upload.processor.js';

/** Admin uploads of catalogue and roster data, loaded by a bull worker through Rewards and IAM. */
@Module({
  imports: [RewardsModule],
  controllers: [EtlController, EtlJobsController],
  providers: [
    EtlJobsRepository,
    CatalogueWriter,
    EtlUploadProcessor,
    EtlUploadsService,
    EtlJobsReader,
    EtlJobsQuery,
    EtlKindsQuery,
  ],
})
export class EtlModule {}

import { Module } from '@nestjs/common';
import { RewardsModule } from '@heyblue/rewards';
import { EtlController } from './api/etl.controller.js';
import { EtlUploadsService } from './application/etl-uploads.service.js';
import { CatalogueWriter } from './infrastructure/catalogue-writer.js';
import { EtlJobsRepository } from './infrastructure/etl-jobs.repository.js';
import { EtlUploadProcessor } from './infrastructure/etl-upload.processor.js';

/** Admin uploads of catalogue and roster data, loaded by a bull worker through Rewards and IAM. */
@Module({
  imports: [RewardsModule],
  controllers: [EtlController],
  providers: [EtlJobsRepository, CatalogueWriter, EtlUploadProcessor, EtlUploadsService],
})
export class EtlModule {}

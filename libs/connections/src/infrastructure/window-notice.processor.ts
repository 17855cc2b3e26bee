import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Bull from 'bull';
import { QueueFactory, type Env } from '@heyblue/platform';
import { AvailabilityService } from '../application/availability.service.js';
import { WINDOW_NOTICE_QUEUE, type WindowNoticeJob } from '../connections.constants.js';

/**
 * Runs the "window about to end" notices when they fall due (on any instance with workers). A
 * notice whose push could not be queued fails the job, which bull retries with backoff.
 */
@Injectable()
export class WindowNoticeProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueFactory,
    private readonly availability: AvailabilityService,
    private readonly config: ConfigService<Env, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.get('EVENT_WORKERS_ENABLED', { infer: true })) return;
    void this.queues
      .get(WINDOW_NOTICE_QUEUE)
      .process(2, (job: Bull.Job<WindowNoticeJob>) =>
        this.availability.noticeExpiring(job.data.officerId, job.data.windowId),
      );
  }
}

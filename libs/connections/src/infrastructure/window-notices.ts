import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { QueueFactory, withTimeout, type Env } from '@heyblue/platform';
import { WINDOW_NOTICE_QUEUE, type WindowNoticeJob } from '../connections.constants.js';

/**
 * "Your window is about to end" notices as delayed bull jobs in Redis (durable across restarts,
 * run by whichever instance is alive): one job per window, keyed by its id, so a window gets one
 * notice however often it is scheduled. A job checks the window when it runs: a window closed
 * early or renewed (a renewal is a new window with its own notice) is not told.
 */
@Injectable()
export class WindowNotices {
  private readonly logger = new Logger('WindowNotices');
  /** How long before the end the officer is told, in ms. */
  readonly noticeMs: number;

  constructor(
    private readonly queues: QueueFactory,
    config: ConfigService<Env, true>,
  ) {
    this.noticeMs = config.get('CONNECTIONS_EXPIRING_NOTICE_S', { infer: true }) * 1000;
  }

  /** Schedules the notice of a window ending at `expiresAt`; none for a window shorter than the notice. */
  async schedule(job: WindowNoticeJob, expiresAt: number, now = Date.now()): Promise<void> {
    const at = expiresAt - this.noticeMs;
    if (at <= now) return;
    await withTimeout(
      this.queues.get(WINDOW_NOTICE_QUEUE).add(job, {
        jobId: this.jobId(job.windowId),
        delay: at - now,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: 1_000,
        removeOnFail: 1_000,
      }),
      5_000,
      'queue unavailable',
    );
  }

  /** Drops the notice of a window that closed (best effort: the job would find the window gone anyway). */
  async cancel(windowId: string): Promise<void> {
    try {
      const job = await withTimeout(
        this.queues.get(WINDOW_NOTICE_QUEUE).getJob(this.jobId(windowId)),
        2_000,
        'queue unavailable',
      );
      if (job && (await job.isDelayed())) await job.remove();
    } catch (err) {
      this.logger.debug(`could not drop the notice of window ${windowId}: ${(err as Error).message}`);
    }
  }

  private jobId(windowId: string): string {
    return `expiring:${windowId}`;
  }
}

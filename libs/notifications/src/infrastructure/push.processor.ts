import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Bull from 'bull';
import client from 'prom-client';
import { IamApi } from '@heyblue/iam';
import {
  BrokenCircuitError,
  DeadLetterService,
  EventConsumers,
  PrismaService,
  QueueFactory,
  STALLED_TOO_OFTEN,
  TaskCancelledError,
  withTimeout,
  type Env,
  type EventEnvelope,
  type Tx,
} from '@heyblue/platform';
import { PUSH_PLATFORMS, type PushPlatform } from '../domain/device.js';
import type { PushMessage } from '../domain/push-rules.js';
import { PushDue, type PushDuePayload } from '../events/push-due.integration-event.js';
import {
  NOTIFICATIONS_HANDLERS,
  PUSH_DEAD_LETTER_SOURCE,
  PUSH_QUEUE,
  type PushJob,
} from '../notifications.constants.js';
import { InvalidTokenError, PermanentPushError } from './providers/push-errors.js';
import { PushSenders } from './providers/push-senders.js';

const sent = new client.Counter({
  name: 'heyblue_pushes_sent_total',
  help: 'Pushes a provider accepted (or the dev outbox kept), by platform',
  labelNames: ['platform'] as const,
});
const failed = new client.Counter({
  name: 'heyblue_pushes_failed_total',
  help: 'Push attempts that failed, by platform and reason (invalid_token, transient, permanent, dead_lettered)',
  labelNames: ['platform', 'reason'] as const,
});

// Zero series for every platform and reason, so dashboards and alerts see them before the first push.
for (const platform of PUSH_PLATFORMS) {
  sent.inc({ platform }, 0);
  for (const reason of ['invalid_token', 'transient', 'permanent', 'dead_lettered'])
    failed.inc({ platform, reason }, 0);
}

/** A row left pending this long had its job lost (a crash between commit and enqueue): the sweeper queues it. */
const PENDING_GRACE_S = 10;
/** A send in flight this long belonged to a process that died: it may be claimed again. */
const SENDING_LEASE_S = 60;
const SWEEP_EVERY_MS = 5_000;

/**
 * Outbox → queue → provider. PushDue (from the outbox, in the handler's transaction) becomes one
 * delivery row per live device of the account, keyed by (event, device) so a re-delivered event
 * adds none; each row becomes a bull job that claims it, sends it and records the outcome. A row
 * whose job was lost is swept back onto the queue; a row is sent at most once unless a process
 * dies between the provider's answer and the write of `sent`.
 */
@Injectable()
export class PushProcessor implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PushProcessor');
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaService,
    private readonly consumers: EventConsumers,
    private readonly queues: QueueFactory,
    private readonly senders: PushSenders,
    private readonly deadLetters: DeadLetterService,
    private readonly iam: IamApi,
    private readonly config: ConfigService<Env, true>,
  ) {}

  onModuleInit(): void {
    // The account's lock: fan-out may delete devices of ended sessions, as the suspension handler does.
    this.consumers.subscribe(NOTIFICATIONS_HANDLERS.fanOutPush, PushDue, (e, tx) => this.fanOut([e], tx), {
      locks: (e) => [e.payload.accountId],
      batch: (es, tx) => this.fanOut(es, tx),
    });
    this.deadLetters.registerReplayer(PUSH_DEAD_LETTER_SOURCE, async (dl) => {
      const { eventId, deviceId } = dl.payload as PushJob;
      await this.prisma.$executeRaw`
        UPDATE notifications_push SET status = 'pending', updated_at = now()
        WHERE event_id = ${eventId}::uuid AND device_id = ${deviceId}::uuid AND status = 'dead'`;
      await this.enqueue([{ eventId, deviceId }], `replay:${dl.id}`);
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.get('EVENT_WORKERS_ENABLED', { infer: true })) return;
    const queue = this.queues.get(PUSH_QUEUE);
    queue.on('failed', (job: Bull.Job<PushJob> | null, err: Error | undefined) => {
      if (job && err?.message === STALLED_TOO_OFTEN)
        void this.giveUp(job.data, 'unknown', err.message, job.attemptsMade);
    });
    void queue.process(8, (job: Bull.Job<PushJob>) => this.run(job));
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /** One delivery row per live device of each event's account, for a batch in four statements at most. */
  private async fanOut(events: Array<EventEnvelope<PushDuePayload>>, tx: Tx): Promise<void> {
    const accounts = [...new Set(events.map((e) => e.payload.accountId))];
    const devices = await tx.notificationsDevice.findMany({
      where: { accountId: { in: accounts } },
      select: { id: true, accountId: true, sessionId: true },
    });
    if (devices.length === 0) return;
    const live = await this.iam.liveSessions(
      devices.map((d) => d.sessionId),
      tx,
    );
    // A session that ended while its revocation broadcast was missed: its device goes now.
    const ended = devices.filter((d) => !live.has(d.sessionId)).map((d) => d.id);
    if (ended.length > 0) await tx.notificationsDevice.deleteMany({ where: { id: { in: ended } } });
    const rows = events.flatMap((e) =>
      devices
        .filter((d) => d.accountId === e.payload.accountId && live.has(d.sessionId))
        .map((d) => ({ eventId: e.id, deviceId: d.id, accountId: d.accountId, message: e.payload.message })),
    );
    if (rows.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO notifications_push (event_id, device_id, account_id, message)
      SELECT * FROM unnest(${rows.map((r) => r.eventId)}::uuid[], ${rows.map((r) => r.deviceId)}::uuid[],
                           ${rows.map((r) => r.accountId)}::uuid[], ${rows.map((r) => JSON.stringify(r.message))}::jsonb[])
      ON CONFLICT DO NOTHING`;
    const jobs = rows.map(({ eventId, deviceId }) => ({ eventId, deviceId }));
    this.consumers.afterCommit(tx, () => void this.enqueue(jobs).catch(() => undefined));
  }

  private async enqueue(jobs: PushJob[], suffix?: string): Promise<void> {
    const queue = this.queues.get(PUSH_QUEUE);
    await withTimeout(
      queue.addBulk(
        jobs.map((data) => ({
          data,
          opts: {
            jobId: `${data.eventId}:${data.deviceId}${suffix ? `:${suffix}` : ''}`,
            attempts: this.config.get('PUSH_MAX_ATTEMPTS', { infer: true }),
            backoff: { type: 'exponential', delay: this.config.get('PUSH_BACKOFF_MS', { infer: true }) },
            removeOnComplete: 1_000,
            removeOnFail: 1_000,
          },
        })),
      ),
      5_000,
      'queue unavailable',
    );
  }

  /** Queues rows whose job was lost (crash after commit) or whose sender died mid-send. */
  async sweep(): Promise<number> {
    try {
      const rows = await this.prisma.$queryRaw<
        Array<{ event_id: string; device_id: string; attempts: number }>
      >`
        SELECT event_id::text, device_id::text, attempts FROM notifications_push
        WHERE (status = 'pending' AND updated_at < now() - make_interval(secs => ${PENDING_GRACE_S}))
           OR (status = 'sending' AND updated_at < now() - make_interval(secs => ${SENDING_LEASE_S}))
        ORDER BY updated_at LIMIT 200`;
      for (const r of rows)
        await this.enqueue([{ eventId: r.event_id, deviceId: r.device_id }], `sweep:${r.attempts}`);
      return rows.length;
    } catch (err) {
      this.logger.warn(`push sweep failed: ${(err as Error).message}`);
      return 0;
    }
  }

  private async run(job: Bull.Job<PushJob>): Promise<void> {
    const { eventId, deviceId } = job.data;
    const claimed = await this.prisma.$queryRaw<
      Array<{ message: PushMessage; account_id: string; attempts: number }>
    >`
      UPDATE notifications_push SET status = 'sending', attempts = attempts + 1, updated_at = now()
      WHERE event_id = ${eventId}::uuid AND device_id = ${deviceId}::uuid
        AND (status IN ('pending', 'failed')
             OR (status = 'sending' AND updated_at < now() - make_interval(secs => ${SENDING_LEASE_S})))
      RETURNING message, account_id::text, attempts`;
    const row = claimed[0];
    if (!row) return; // sent, given up, or being sent by another worker
    const device = await this.prisma.notificationsDevice.findUnique({ where: { id: deviceId } });
    if (!device || device.accountId !== row.account_id) {
      await this.mark(job.data, 'dropped', 'the device was removed');
      return;
    }
    const platform = device.platform as PushPlatform;
    try {
      await this.senders.send(platform, device.token, row.message);
      await this.prisma.$executeRaw`
        UPDATE notifications_push SET status = 'sent', sent_at = now(), updated_at = now(), last_error = NULL
        WHERE event_id = ${eventId}::uuid AND device_id = ${deviceId}::uuid`;
      sent.inc({ platform });
    } catch (err) {
      const message = (err as Error).message || String(err);
      if (err instanceof InvalidTokenError) {
        failed.inc({ platform, reason: 'invalid_token' });
        await this.prisma.notificationsDevice.deleteMany({ where: { id: deviceId, token: device.token } });
        await this.mark(job.data, 'invalid', message);
        this.logger.log({ platform, deviceId }, 'provider reported the token invalid: device removed');
        return;
      }
      const permanent = err instanceof PermanentPushError;
      failed.inc({ platform, reason: permanent ? 'permanent' : 'transient' });
      const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) {
        await this.giveUp(job.data, platform, message, row.attempts);
        return;
      }
      await this.mark(job.data, 'failed', message);
      throw err instanceof BrokenCircuitError || err instanceof TaskCancelledError
        ? new Error(`${platform}: ${message}`)
        : err;
    }
  }

  private async mark(job: PushJob, status: string, error: string | null): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE notifications_push SET status = ${status}, last_error = ${error?.slice(0, 500) ?? null}, updated_at = now()
      WHERE event_id = ${job.eventId}::uuid AND device_id = ${job.deviceId}::uuid`;
  }

  private async giveUp(job: PushJob, platform: string, message: string, attempts: number): Promise<void> {
    try {
      await this.mark(job, 'dead', message);
      failed.inc({ platform, reason: 'dead_lettered' });
      await this.deadLetters.record({
        source: PUSH_DEAD_LETTER_SOURCE,
        target: platform,
        payload: { eventId: job.eventId, deviceId: job.deviceId },
        error: message,
        attempts,
      });
      this.logger.warn(
        { platform, eventId: job.eventId, deviceId: job.deviceId, err: message },
        'push dead-lettered',
      );
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'could not dead-letter a push');
    }
  }
}

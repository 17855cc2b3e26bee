import { Injectable, Optional } from '@nestjs/common';
import { DeadLetterAlerts } from './dead-letter-alerts.js';
import { PrismaService } from '../database/prisma.service.js';
import { NotFound, Conflict } from '../errors/domain-error.js';
import { EventConsumers, eventQueueName, type EventJob } from './event-consumers.js';
import type { EventEnvelope } from './integration-event.js';
import { QueueFactory, withTimeout } from './queue.factory.js';

export interface DeadLetterView {
  id: string;
  source: string;
  target: string;
  eventId: string | null;
  eventType: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  replayedAt: string | null;
  replayCount: number;
}

/** A replayer for dead letters whose source is not the event bus (e.g. social posts). */
export type DeadLetterReplayer = (deadLetter: {
  id: string;
  target: string;
  payload: unknown;
  replayCount: number;
}) => Promise<void>;

/** Inspects and replays failed deliveries. */
@Injectable()
export class DeadLetterService {
  private readonly replayers = new Map<string, DeadLetterReplayer>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueFactory,
    private readonly consumers: EventConsumers,
    @Optional() private readonly alerts?: DeadLetterAlerts,
  ) {}

  /** Lets a context replay the dead letters it records under its own `source`. */
  registerReplayer(source: string, replayer: DeadLetterReplayer): void {
    this.replayers.set(source, replayer);
  }

  async record(input: {
    source: string;
    target: string;
    payload: object;
    error: string;
    attempts: number;
  }): Promise<void> {
    await this.prisma.deadLetter.create({ data: { ...input, error: input.error.slice(0, 4_000) } });
    this.alerts?.notify({ source: input.source, target: input.target, error: input.error });
  }

  async list(
    opts: { limit?: number; cursor?: string; pendingOnly?: boolean } = {},
  ): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
    const rows = await this.prisma.deadLetter.findMany({
      where: opts.pendingOnly ? { replayedAt: null } : {},
      orderBy: [{ failedAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
    });
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      source: r.source,
      target: r.target,
      eventId: r.eventId,
      eventType: r.eventType,
      error: r.error.split('\n')[0] ?? '',
      attempts: r.attempts,
      failedAt: r.failedAt.toISOString(),
      replayedAt: r.replayedAt?.toISOString() ?? null,
      replayCount: r.replayCount,
    }));
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  async countPending(): Promise<number> {
    return this.prisma.deadLetter.count({ where: { replayedAt: null } });
  }

  /** Sends a dead letter through its consumer again; the consumer's dedupe still applies. */
  async replay(id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Dead letter');
    const dl = await this.prisma.deadLetter.findUnique({ where: { id } });
    if (!dl) throw new NotFound('Dead letter');
    if (dl.replayedAt) throw new Conflict('ALREADY_REPLAYED', 'This dead letter was already replayed.');
    const claimed = await this.prisma.deadLetter.updateMany({
      where: { id, replayedAt: null },
      data: { replayedAt: new Date(), replayCount: { increment: 1 } },
    });
    if (claimed.count === 0) throw new Conflict('ALREADY_REPLAYED', 'This dead letter was already replayed.');
    try {
      if (dl.source === 'event') {
        const event = dl.payload as unknown as EventEnvelope;
        const job: EventJob = { handlerId: dl.target, event };
        await withTimeout(
          this.queues
            .get(eventQueueName(dl.target))
            .add(job, this.consumers.jobOptions(`${event.id}:${dl.target}:replay:${dl.id}`)),
          5_000,
          'queue unavailable',
        );
      } else {
        const replayer = this.replayers.get(dl.source);
        if (!replayer) throw new Error(`no replayer for ${dl.source}`);
        await replayer({
          id: dl.id,
          target: dl.target,
          payload: dl.payload,
          replayCount: dl.replayCount + 1,
        });
      }
    } catch (err) {
      await this.prisma.deadLetter.update({ where: { id }, data: { replayedAt: null } });
      throw err;
    }
  }
}

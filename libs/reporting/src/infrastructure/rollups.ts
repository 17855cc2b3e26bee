import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PrismaService, QueueFactory, withTimeout, type Env, type Tx } from '@heyblue/platform';

export const ROLLUP_QUEUE = 'reporting.rollups';
const DIRTY_JOB = 'dirty-days';
const NIGHTLY_JOB = 'nightly';

/**
 * Materialises daily rollups from facts. A repeatable bull job recomputes the days marked
 * dirty (facts mark their day in the same transaction); a nightly one redoes the last two
 * days in full. Recomputing a day is idempotent, so bull's at-least-once delivery is fine.
 */
@Injectable()
export class Rollups implements OnApplicationBootstrap {
  private readonly logger = new Logger('ReportingRollups');

  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueFactory,
    private readonly config: ConfigService<Env, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.get('EVENT_WORKERS_ENABLED', { infer: true })) return;
    const queue = this.queues.get(ROLLUP_QUEUE);
    void queue.process(DIRTY_JOB, 1, () => this.refreshDirty());
    void queue.process(NIGHTLY_JOB, 1, () => this.refreshRecent(2));
    const every = this.config.get('REPORTING_ROLLUP_EVERY_MS', { infer: true });
    try {
      await withTimeout(
        Promise.all([
          queue.add(DIRTY_JOB, {}, { repeat: { every }, removeOnComplete: true, removeOnFail: 100 }),
          queue.add(
            NIGHTLY_JOB,
            {},
            { repeat: { cron: '15 0 * * *', tz: 'UTC' }, removeOnComplete: true, removeOnFail: 100 },
          ),
        ]),
        5_000,
      );
    } catch (err) {
      this.logger.error(`could not schedule rollups: ${(err as Error).message}`);
    }
  }

  /** On demand: marks every day of a range dirty, so the next rollup run recomputes it. */
  async markRangeDirty(from: string, to: string): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO reporting_dirty_day (day)
      SELECT generate_series(${from}::date, ${to}::date, '1 day'::interval)::date`;
  }

  /** Recomputes every day marked dirty; returns how many days it redid. */
  async refreshDirty(): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      // A day may carry several marks: each day is recomputed once.
      const rows = await tx.$queryRaw<Array<{ day: Date }>>`
        WITH gone AS (DELETE FROM reporting_dirty_day RETURNING day) SELECT DISTINCT day FROM gone`;
      await this.recompute(
        tx,
        rows.map((r) => r.day),
      );
      return rows.length;
    });
  }

  async refreshRecent(days: number): Promise<void> {
    const today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const list = Array.from({ length: days }, (_, i) => new Date(today.getTime() - i * 86_400_000));
    await this.prisma.$transaction((tx) => this.recompute(tx, list));
  }

  private async recompute(tx: Tx, days: Date[]): Promise<void> {
    if (days.length === 0) return;
    const isoDays = days.map((d) => d.toISOString().slice(0, 10));
    await tx.$executeRaw`DELETE FROM reporting_rollup WHERE day = ANY(${isoDays}::date[])`;
    await tx.$executeRaw`
      INSERT INTO reporting_rollup (metric, day, dim, key, value)
      SELECT metric, day, 'all', '', SUM(value) FROM reporting_fact WHERE day = ANY(${isoDays}::date[]) GROUP BY metric, day
      UNION ALL
      SELECT metric, day, 'zip', zip, SUM(value) FROM reporting_fact WHERE day = ANY(${isoDays}::date[]) AND zip IS NOT NULL GROUP BY metric, day, zip
      UNION ALL
      SELECT metric, day, 'state', state, SUM(value) FROM reporting_fact WHERE day = ANY(${isoDays}::date[]) AND state IS NOT NULL GROUP BY metric, day, state
      UNION ALL
      SELECT metric, day, 'precinct', precinct, SUM(value) FROM reporting_fact WHERE day = ANY(${isoDays}::date[]) AND precinct IS NOT NULL GROUP BY metric, day, precinct
      UNION ALL
      SELECT metric, day, 'charity', charity_id::text, SUM(value) FROM reporting_fact WHERE day = ANY(${isoDays}::date[]) AND charity_id IS NOT NULL GROUP BY metric, day, charity_id`;
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { IamConfig } from './iam-config.js';
import { PrismaSessionsRepository } from './prisma-sessions.repository.js';

/** Rows per delete: short transactions that never hold the sessions table for long. */
const BATCH = 500;

/**
 * Deletes sessions that ended more than `IAM_SESSION_RETENTION_DAYS` ago (and their rotated
 * refresh tokens). Runs on every instance; deleting the same old rows twice is harmless, so no
 * lock is needed. The audit trail keeps who signed in and out.
 */
@Injectable()
export class EndedSessionsPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EndedSessionsPruner');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly sessions: PrismaSessionsRepository,
    private readonly config: IamConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.sessionPruneEveryMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Prunes until no ended session older than the retention period is left; returns how many went. */
  async prune(now = Date.now()): Promise<number> {
    const before = new Date(now - this.config.sessionRetentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const n = await this.sessions.pruneEnded(before, BATCH);
      total += n;
      if (n < BATCH) return total;
    }
  }

  private async tick(): Promise<void> {
    if (this.running || !this.timer) return;
    this.running = true;
    try {
      const n = await this.prune();
      if (n > 0) this.logger.log(`pruned ${n} ended sessions`);
    } catch (err) {
      this.logger.warn(`pruning ended sessions failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}

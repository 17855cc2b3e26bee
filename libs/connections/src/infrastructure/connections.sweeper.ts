import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { RedisService } from '@heyblue/platform';
import { AvailabilityService } from '../application/availability.service.js';
import { ConnectionsConfig } from './connections.config.js';
import { GeoIndex } from './geo-index.js';

/**
 * Runs on every instance: expires due availability windows (claimed atomically, so each
 * window is expired once, by whichever instance is alive) and, under a short Redis lock so
 * one instance does it per period, sweeps stale members out of the GEO index.
 */
@Injectable()
export class ConnectionsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ConnectionsSweeper');
  private timer?: NodeJS.Timeout;
  private running = false;
  private ticks = 0;
  private readonly staleEvery: number;

  constructor(
    private readonly availability: AvailabilityService,
    private readonly geo: GeoIndex,
    private readonly redis: RedisService,
    private readonly config: ConnectionsConfig,
  ) {
    // Stale members are already hidden from answers; sweeping 4× per staleness period bounds memory.
    this.staleEvery = Math.max(1, Math.round(config.staleAfterMs / 4 / config.sweepIntervalMs));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  /** Stops before the Redis connections close (module destroy precedes application shutdown). */
  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(now = Date.now()): Promise<void> {
    if (this.running || !this.timer) return;
    this.running = true;
    try {
      await this.availability.expireDue(now);
      if (++this.ticks % this.staleEvery === 0) {
        const lock = await this.redis.client.set(
          this.redis.key('conn', 'sweep-lock'),
          '1',
          'PX',
          this.staleEvery * this.config.sweepIntervalMs,
          'NX',
        );
        if (lock === 'OK') await this.geo.sweepStale(now);
      }
    } catch (err) {
      this.logger.warn(`sweep failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}

import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis, type RedisOptions } from 'ioredis';
import type { Env } from '../config/environment.js';

/** Creates ioredis clients that never crash the process on connection errors. */
export function createRedis(url: string, options: RedisOptions = {}, name = 'redis'): Redis {
  const logger = new Logger(name);
  const client = new Redis(url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...options,
  });
  let lastLog = 0;
  client.on('error', (err: Error) => {
    // Reconnect attempts can fire many errors a second; one line every 5 s is enough.
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      logger.warn(`redis error: ${err.message}`);
    }
  });
  return client;
}

/**
 * Closes a client gracefully: QUIT lets pending commands (e.g. an adapter's UNSUBSCRIBE)
 * get their replies instead of rejecting as "Connection is closed"; after `timeoutMs`
 * (Redis unreachable) the connection is dropped.
 */
export async function closeRedis(client: Redis | undefined, timeoutMs = 1_000): Promise<void> {
  if (!client || client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('quit timed out')), timeoutMs);
      }),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

/** The shared command connection (rate limits, caches, geo index). */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;
  /** REDIS_PREFIX: every key this deployment writes starts with it. */
  readonly prefix: string;

  constructor(private readonly config: ConfigService<Env, true>) {
    this.client = createRedis(config.get('REDIS_URL', { infer: true }), { commandTimeout: 2_000 });
    this.prefix = config.get('REDIS_PREFIX', { infer: true });
  }

  /** A namespaced key: `key('geo', '{9q8}')` → `heyblue:geo:{9q8}`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A new connection with the same settings (for subscribers, bull, socket.io adapter). */
  duplicate(options: RedisOptions = {}, name?: string): Redis {
    return createRedis(this.config.get('REDIS_URL', { infer: true }), options, name);
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.client);
  }
}

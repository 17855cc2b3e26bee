import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Bull from 'bull';
import type { Redis } from 'ioredis';
import type { Env } from '../config/environment.js';
import { closeRedis, createRedis } from '../redis/redis.service.js';

/**
 * Creates bull queues that share one command and one subscriber connection
 * (bull's recommended setup) and closes them all on shutdown.
 */
@Injectable()
export class QueueFactory implements OnApplicationShutdown {
  private readonly queues = new Map<string, Bull.Queue>();
  private client?: Redis;
  private subscriber?: Redis;
  private readonly blocking: Redis[] = [];

  constructor(private readonly config: ConfigService<Env, true>) {}

  get(name: string): Bull.Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      const url = this.config.get('REDIS_URL', { infer: true });
      queue = new Bull(name, {
        prefix: this.config.get('REDIS_PREFIX', { infer: true }),
        createClient: (type) => {
          if (type === 'client') return (this.client ??= this.shared(url));
          if (type === 'subscriber') return (this.subscriber ??= this.shared(url));
          const b = createRedis(url, { maxRetriesPerRequest: null, enableReadyCheck: false }, 'bull');
          this.blocking.push(b);
          return b;
        },
      });
      queue.on('error', () => undefined); // connection errors are logged by the client
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * A connection every queue shares: each queue adds its own listeners to it, so with one
   * queue per event consumer the default limit of 10 would warn of a leak that is not one.
   */
  private shared(url: string): Redis {
    const client = createRedis(url, { maxRetriesPerRequest: null, enableReadyCheck: false }, 'bull');
    client.setMaxListeners(0);
    return client;
  }

  all(): Bull.Queue[] {
    return [...this.queues.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all().map((q) => withTimeout(q.close(), 3_000).catch(() => undefined)));
    await Promise.all([this.client, this.subscriber, ...this.blocking].map((c) => closeRedis(c)));
  }
}

/** Rejects when `promise` has not settled within `ms` (outbound calls must never hang). */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

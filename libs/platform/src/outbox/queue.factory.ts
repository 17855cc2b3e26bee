import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Bull from 'bull';
import { closeRedis, RedisService, type RedisClient } from '../redis/redis.service.js';

/**
 * Creates bull queues that share one command and one subscriber connection
 * (bull's recommended setup) and closes them all on shutdown. On a Redis Cluster each queue's
 * keys share a hash tag (RedisService.queuePrefix), as bull's multi-key scripts need.
 */
@Injectable()
export class QueueFactory implements OnApplicationShutdown {
  private readonly queues = new Map<string, Bull.Queue>();
  private client?: RedisClient;
  private subscriber?: RedisClient;
  private readonly blocking: RedisClient[] = [];

  constructor(private readonly redis: RedisService) {}

  get(name: string): Bull.Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Bull(name, {
        prefix: this.redis.queuePrefix(name),
        createClient: (type) => {
          if (type === 'client') return (this.client ??= this.shared());
          if (type === 'subscriber') return (this.subscriber ??= this.shared());
          const b = this.redis.duplicate({ maxRetriesPerRequest: null, enableReadyCheck: false }, 'bull');
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
  private shared(): RedisClient {
    const client = this.redis.duplicate({ maxRetriesPerRequest: null, enableReadyCheck: false }, 'bull');
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
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message = `timed out after ${ms} ms`,
): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

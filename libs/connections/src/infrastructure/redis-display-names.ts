import { Injectable } from '@nestjs/common';
import { RedisService } from '@heyblue/platform';
import { DisplayNames } from '../application/ports.js';

const MAX_CACHED = 50_000;
const TTL_MS = 10 * 60_000;

/**
 * Display names cached in process (the nearby answer needs them on the hot path) and in a
 * Redis hash shared by the instances; names are remembered when a window or presence starts.
 */
@Injectable()
export class RedisDisplayNames extends DisplayNames {
  private readonly cache = new Map<string, { name: string; at: number }>();

  constructor(private readonly redis: RedisService) {
    super();
  }

  private key(): string {
    return this.redis.key('conn', 'names');
  }

  async remember(id: string, name: string): Promise<void> {
    this.put(id, name);
    await this.redis.client.hset(this.key(), id, name);
  }

  async lookup(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    const now = Date.now();
    for (const id of ids) {
      const c = this.cache.get(id);
      if (c && now - c.at < TTL_MS) out.set(id, c.name);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const names = await this.redis.client.hmget(this.key(), ...missing);
      missing.forEach((id, i) => {
        const name = names[i];
        if (name) {
          out.set(id, name);
          this.put(id, name);
        }
      });
    }
    return out;
  }

  private put(id: string, name: string): void {
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, { name, at: Date.now() });
  }
}

import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { RedisService, closeRedis } from '@heyblue/platform';

/**
 * socket.io on Redis pub/sub, so rooms and emits span every instance
 * (an officer's socket may live on another instance than the citizen's request).
 */
export class RedisIoAdapter extends IoAdapter {
  private pub?: Redis;
  private sub?: Redis;

  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, { ...options, transports: ['websocket'] } as ServerOptions) as Server;
    const redis = this.app.get(RedisService);
    this.pub ??= redis.duplicate({ maxRetriesPerRequest: null }, 'socket.io-pub');
    this.sub ??= redis.duplicate({ maxRetriesPerRequest: null }, 'socket.io-sub');
    server.adapter(createAdapter(this.pub, this.sub, { key: redis.key('socket.io') }));
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    // socket.io does not await the adapter's UNSUBSCRIBEs; QUIT lets them finish first.
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }
}

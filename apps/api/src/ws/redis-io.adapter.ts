import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { RedisService, closeRedis } from '@heyblue/platform';

/**
 * Largest socket.io message a client may send. Clients send only `location` (well under
 * 1 KB); socket.io's default of 1 MB let one socket make the server buffer and parse a
 * megabyte per message. A larger frame closes that socket.
 */
export const SOCKET_MAX_MESSAGE_BYTES = 16 * 1024;

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
    const server = super.createIOServer(port, { ...options, transports: ['websocket'], maxHttpBufferSize: SOCKET_MAX_MESSAGE_BYTES } as ServerOptions) as Server;
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

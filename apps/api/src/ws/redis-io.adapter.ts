import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import {
  RedisService,
  SOCKET_RECOVERY_MS,
  socketIoRedisAdapter,
  type SocketIoRedisAdapter,
} from '@heyblue/platform';

/**
 * Largest socket.io message a client may send. Clients send only `location` (well under
 * 1 KB); socket.io's default of 1 MB let one socket make the server buffer and parse a
 * megabyte per message. A larger frame closes that socket.
 */
export const SOCKET_MAX_MESSAGE_BYTES = 16 * 1024;

/**
 * socket.io on the Redis Streams adapter (see socketIoRedisAdapter), so rooms and emits span every
 * instance (an officer's socket may live on another instance than the citizen's request), and a
 * socket that reconnects after a short loss gets what it missed (connection state recovery).
 */
export class RedisIoAdapter extends IoAdapter {
  private redisAdapter?: SocketIoRedisAdapter;

  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      transports: ['websocket'],
      maxHttpBufferSize: SOCKET_MAX_MESSAGE_BYTES,
      // A socket back within SOCKET_RECOVERY_MS of an unexpected disconnect keeps its id and rooms
      // and gets the packets it missed, on any instance (the streams adapter keeps both in Redis).
      // The handshake middleware (token, per-IP limit, socket cap) runs again on a recovery.
      connectionStateRecovery: { maxDisconnectionDuration: SOCKET_RECOVERY_MS, skipMiddlewares: false },
    } as ServerOptions) as Server;
    this.redisAdapter ??= socketIoRedisAdapter(this.app.get(RedisService), 'socket.io');
    server.adapter(this.redisAdapter.adapter);
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    // socket.io does not await the adapter's UNSUBSCRIBEs; QUIT lets them finish first.
    await this.redisAdapter?.close();
  }
}

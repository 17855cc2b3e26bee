import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Server } from 'socket.io';
import { SOCKET_NAMESPACE, accountRoom } from '@heyblue/connections';
import {
  EventConsumers,
  RedisService,
  type SocketIoRedisAdapter,
  type Tx,
  socketIoRedisAdapter,
} from '@heyblue/platform';
import { ProfileNotifier } from '../application/projections/profile-notifier.js';

/**
 * Emits through the socket.io Redis adapter without owning any socket: a detached
 * socket.io server on the same adapter key broadcasts to the account's room, and whichever
 * instance holds the account's sockets delivers. Notices go out once the handler's
 * transaction committed (EventConsumers.afterCommit), so an event applied again after a
 * rollback notifies once (notices are hints, the profile read model is the truth).
 */
@Injectable()
export class SocketIoRedisNotifier extends ProfileNotifier implements OnApplicationShutdown {
  private io?: Server;
  private redisAdapter?: SocketIoRedisAdapter;

  constructor(
    private readonly redis: RedisService,
    private readonly consumers: EventConsumers,
  ) {
    super();
  }

  afterCommit(tx: Tx, accountId: string, event: string, payload: object): void {
    this.consumers.afterCommit(tx, () =>
      this.server().of(SOCKET_NAMESPACE).to(accountRoom(accountId)).emit(event, payload),
    );
  }

  private server(): Server {
    if (!this.io) {
      this.redisAdapter = socketIoRedisAdapter(this.redis, 'profile-notifier');
      this.io = new Server({ serveClient: false });
      this.io.adapter(this.redisAdapter.adapter);
    }
    return this.io;
  }

  async onApplicationShutdown(): Promise<void> {
    // A detached server has no engine to close: closing its adapters and connections is enough.
    if (this.io) await Promise.resolve(this.io.of(SOCKET_NAMESPACE).adapter.close()).catch(() => undefined);
    // QUIT (not disconnect) lets publishes still in flight finish instead of rejecting unhandled.
    await this.redisAdapter?.close();
  }
}

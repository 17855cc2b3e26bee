import type { Server } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { Env } from '@heyblue/platform';

/**
 * Drains the HTTP server first on shutdown, while the database and Redis are still open.
 *
 * Nest closes the HTTP server only after every `onModuleDestroy` hook, so a request still in
 * flight when SIGTERM came found PostgreSQL and Redis closed and got a 500. And Node's
 * `server.close()` waits for every connection it does not count as idle, which includes one
 * that has sent no request yet (a browser's preconnect, a proxy's spare): shutdown then
 * waited until the client hung up. This hook runs before the others (its module is the root):
 * it stops accepting, lets the requests in flight finish (at most `SHUTDOWN_DRAIN_MS`), closes
 * each of their connections once answered, and then closes every HTTP connection left.
 * socket.io's websockets are not HTTP connections here; Nest closes them afterwards.
 */
@Injectable()
export class ConnectionDrain implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ConnectionDrain.name);
  private inFlight = 0;
  private idle?: () => void;

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly config: ConfigService<Env, true>,
  ) {}

  private server(): Server | undefined {
    return this.host.httpAdapter?.getHttpServer() as Server | undefined;
  }

  onApplicationBootstrap(): void {
    this.server()?.on('request', (_req, res) => {
      this.inFlight++;
      res.once('close', () => {
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
      });
    });
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server();
    if (!server?.listening) return;
    const drainMs = this.config.get('SHUTDOWN_DRAIN_MS', { infer: true });
    // Answers from now on end their connection: Node sets this timer when a response has been
    // written, and 0 would mean "keep it open".
    server.keepAliveTimeout = 1;
    server.close(); // stops accepting; ends the idle keep-alive connections
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        timer = setTimeout(resolve, drainMs);
      });
      clearTimeout(timer);
      if (this.inFlight > 0)
        this.logger.warn(
          `closing ${this.inFlight} request(s) still in flight ${drainMs} ms after shutdown began`,
        );
    }
    server.closeAllConnections();
  }
}

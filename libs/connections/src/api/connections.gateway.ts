import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import proxyaddr from '@fastify/proxy-addr';
import {
  DomainError,
  isDependencyUnavailable,
  RateLimited,
  RateLimiter,
  socketConnections,
  SOCKET_RECOVERY_MS,
} from '@heyblue/platform';
import { LocationHandler, type LocationAck, type LocationState } from '../application/location.handler.js';
import { SocketAuth, type SocketAccount } from '../application/ports.js';
import { accountRoom, LIMITS, SOCKET_EVENTS, SOCKET_NAMESPACE } from '../connections.constants.js';
import { CODES } from '../domain/connections.errors.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { SOCKET_LEASE_MS, SocketRegistry } from '../infrastructure/socket-registry.js';
import { SocketHub } from './socket-hub.js';

interface SocketData {
  account: SocketAccount;
  /** Kept to re-check the session now and then (an access token expires; the socket must not outlive it). */
  token: string;
  checkedAt: number;
  location?: LocationState;
  expiry?: NodeJS.Timeout;
}

const FORBIDDEN: LocationAck = Object.freeze({ ok: false, code: CODES.FORBIDDEN }) as LocationAck;
const INTERNAL: LocationAck = Object.freeze({ ok: false, code: CODES.INTERNAL_ERROR }) as LocationAck;
const UNAVAILABLE: LocationAck = Object.freeze({
  ok: false,
  code: CODES.TEMPORARILY_UNAVAILABLE,
}) as LocationAck;
const noop = (): void => undefined;

/**
 * The `/connections` namespace. Nest creates it and wires dependencies; the `location`
 * handler is bound directly on each socket (no per-message Nest pipeline: the hot path
 * stays lean), and every ack is answered, whatever the payload.
 */
@WebSocketGateway({ namespace: SOCKET_NAMESPACE })
export class ConnectionsGateway implements OnGatewayInit<Namespace>, OnModuleDestroy {
  private readonly logger = new Logger('ConnectionsGateway');
  private ns?: Namespace;
  private recheckTimer?: NodeJS.Timeout;
  private rechecking = false;
  private renewedAt = Date.now();
  private readonly trusted: (addr: string, i: number) => boolean;

  constructor(
    private readonly auth: SocketAuth,
    private readonly hub: SocketHub,
    private readonly locations: LocationHandler,
    private readonly config: ConnectionsConfig,
    private readonly limiter: RateLimiter,
    private readonly registry: SocketRegistry,
  ) {
    this.trusted = proxyaddr.compile(config.trustProxy);
  }

  afterInit(ns: Namespace): void {
    this.ns = ns;
    this.hub.attach(ns, (socket) => this.windowChanged(socket));
    ns.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return next(unauthorized());
      // Handshakes per client IP first (a flood costs one counter, not a session lookup), then
      // the token, then a place among the account's sockets on every instance.
      this.limiter
        .consume(LIMITS.handshake, `ip:${proxyaddr(socket.request, this.trusted)}`)
        .then(async () => {
          const account = await this.auth.authenticate(token).catch(() => {
            throw unauthorized();
          });
          if (!(await this.registry.claim(account.id, socket.id, this.config.maxSocketsPerAccount)))
            throw refused('TOO_MANY_SOCKETS');
          Object.assign(socket.data as SocketData, { account, token, checkedAt: Date.now() });
        })
        .then(
          () => next(),
          (err: unknown) =>
            next(
              err instanceof RateLimited
                ? refused('RATE_LIMITED', err.extra)
                : err instanceof Error && 'data' in err
                  ? err
                  : unauthorized(),
            ),
        );
    });
    ns.on('connection', (socket: Socket) => this.connected(socket));
    this.auth.onAccessRevoked(({ accountId, sessionId }) => {
      for (const s of this.hub.localSockets(accountId)) {
        if (!sessionId || (s.data as SocketData).account.sessionId === sessionId) s.disconnect(true);
      }
    });
    this.recheckTimer = setInterval(() => void this.recheck(), Math.min(this.config.socketRecheckMs, 30_000));
    this.recheckTimer.unref();
  }

  /**
   * Re-authenticates sockets whose last check is older than the re-check period: an expired
   * (or otherwise refused) token, or a role other than the one the socket was authorised for,
   * disconnects the socket. A dependency outage does not.
   */
  private async recheck(): Promise<void> {
    if (this.rechecking || !this.ns) return;
    this.rechecking = true;
    try {
      // Leases of this instance's sockets in the per-account registry, renewed well before they lapse.
      if (Date.now() - this.renewedAt > SOCKET_LEASE_MS / 3) {
        this.renewedAt = Date.now();
        const live = [...this.ns.sockets.values()].flatMap((s) =>
          (s.data as SocketData).account
            ? [{ accountId: (s.data as SocketData).account.id, socketId: s.id }]
            : [],
        );
        await this.registry
          .renew(live)
          .catch((err: Error) => this.logger.warn(`socket leases not renewed: ${err.message}`));
      }
      const due = Date.now() - this.config.socketRecheckMs;
      const sockets = [...this.ns.sockets.values()].filter((s) => (s.data as SocketData).checkedAt <= due);
      for (let i = 0; i < sockets.length; i += 16) {
        await Promise.all(
          sockets.slice(i, i + 16).map(async (s) => {
            const data = s.data as SocketData;
            try {
              const now = await this.auth.authenticate(data.token);
              // A role change the notice missed: the socket's state was made for the old role.
              if (now.role !== data.account.role) return void s.disconnect(true);
              data.checkedAt = Date.now();
            } catch (err) {
              if (err instanceof DomainError && (err.status === 401 || err.status === 403))
                s.disconnect(true);
            }
          }),
        );
      }
    } finally {
      this.rechecking = false;
    }
  }

  private connected(socket: Socket): void {
    const data = socket.data as SocketData;
    const { account } = data;
    if (!account) return void socket.disconnect(true);
    socketConnections.inc({ namespace: SOCKET_NAMESPACE });
    void socket.join(accountRoom(account.id));
    // Through the adapter (the socket's own room), so the packet carries a stream offset: a client
    // can only ask for a recovery from an offset it received, and the first missed event may be
    // the one that matters (an officer's connection.requested).
    if (!socket.recovered)
      this.ns?.to(socket.id).emit(SOCKET_EVENTS.socketReady, { recoverableForMs: SOCKET_RECOVERY_MS });
    if (account.expiresAt) {
      const ms = new Date(account.expiresAt).getTime() - Date.now();
      // Beyond setTimeout's 24.8-day range the token outlives any socket anyway.
      if (ms <= 0) return void socket.disconnect(true);
      if (ms < 2 ** 31 - 1) data.expiry = setTimeout(() => socket.disconnect(true), ms);
    }
    const role = account.role === 'officer' || account.role === 'citizen' ? account.role : null;
    if (role) {
      data.location = this.locations.newState(account.id, role);
      this.locations.preload(data.location);
    }
    socket.on(SOCKET_EVENTS.location, (payload: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (a: LocationAck) => void) : noop;
      const state = data.location;
      if (!state) return reply(FORBIDDEN);
      this.locations.handle(state, payload).then(reply, (err: Error) => {
        this.logger.warn(`location failed: ${err.message}`);
        reply(isDependencyUnavailable(err) ? UNAVAILABLE : INTERNAL);
      });
    });
    // socket.io persists socket.data (msgpack) for a recovery right after 'disconnecting': only
    // plain values go (the timer and the location state are rebuilt when the socket comes back,
    // and the handshake middleware sets the account again).
    socket.once('disconnecting', () => {
      socket.data = {
        account: data.account,
        token: data.token,
        checkedAt: data.checkedAt,
      } satisfies SocketData;
    });
    socket.once('disconnect', () => {
      socketConnections.dec({ namespace: SOCKET_NAMESPACE });
      if (data.expiry) clearTimeout(data.expiry);
      this.registry
        .release(account.id, socket.id)
        .catch((err: Error) => this.logger.warn(`socket lease not released: ${err.message}`));
    });
  }

  private windowChanged(socket: Socket): void {
    const state = (socket.data as SocketData).location;
    if (state?.role === 'officer') {
      this.locations
        .windowChanged(state)
        .catch((err: Error) => this.logger.warn(`window reload failed: ${err.message}`));
    }
  }

  onModuleDestroy(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    // Only this instance's sockets: a plain disconnectSockets would reach every instance through the adapter.
    this.ns?.local.disconnectSockets(true);
  }
}

function unauthorized(): Error & { data?: unknown } {
  return refused('UNAUTHORIZED');
}

/** A refused handshake: the client's `connect_error` carries `data.code` (and `retryAfter` when rate limited). */
function refused(code: string, extra?: Record<string, unknown>): Error & { data?: unknown } {
  const err = new Error(code) as Error & { data?: unknown };
  err.data = { code, ...extra };
  return err;
}

import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { Notifier, type NotificationEvent, type SocketChannel } from '@heyblue/notifications';
import { AccountNotifier } from '../application/ports.js';
import { accountRoom, SOCKET_EVENTS, WINDOW_CHANGED, WINDOW_EXPIRED } from '../connections.constants.js';
import { SocketRegistry } from '../infrastructure/socket-registry.js';

/**
 * The socket side of Notifications' one port: emits to account rooms through the socket.io
 * Redis adapter (reaching the socket on any instance) and tells whether an account holds a live
 * socket. Notifications go through the Notifier (socket now, push per its rules); "window
 * changed" is relayed between instances with serverSideEmit.
 */
@Injectable()
export class SocketHub extends AccountNotifier implements SocketChannel, OnModuleInit {
  private readonly logger = new Logger('SocketHub');
  private ns?: Namespace;
  private onWindowChanged?: (socket: Socket) => void;

  constructor(
    private readonly notifier: Notifier,
    private readonly registry: SocketRegistry,
  ) {
    super();
  }

  onModuleInit(): void {
    this.notifier.attachSocket(this);
  }

  attach(ns: Namespace, onWindowChanged: (socket: Socket) => void): void {
    this.ns = ns;
    this.onWindowChanged = onWindowChanged;
    ns.on(WINDOW_CHANGED, (officerId: unknown) => {
      if (typeof officerId === 'string') this.localWindowChanged(officerId);
    });
    ns.on(WINDOW_EXPIRED, (officerId: unknown, windowId: unknown) => {
      if (typeof officerId === 'string' && typeof windowId === 'string')
        this.localWindowExpired(officerId, windowId);
    });
  }

  /** Through the one notification port: the socket now, the phone when the push rules say so. */
  toAccount(
    accountId: string,
    event: NotificationEvent,
    payload: unknown,
    opts?: { mustQueue?: boolean },
  ): Promise<void> {
    return this.notifier.notify(accountId, event, payload, opts);
  }

  /** Best effort: a socket emit never fails the use case that caused it (the app can always re-read over REST). */
  emit(accountId: string, event: string, payload: unknown): void {
    try {
      this.ns?.to(accountRoom(accountId)).emit(event, payload);
    } catch (err) {
      this.logger.warn(`push ${event} failed: ${(err as Error).message}`);
    }
  }

  isLive(accountId: string): Promise<boolean> {
    return this.registry.hasLive(accountId);
  }

  windowChanged(officerId: string): void {
    this.localWindowChanged(officerId);
    try {
      this.ns?.serverSideEmit(WINDOW_CHANGED, officerId);
    } catch (err) {
      this.logger.warn(`window-changed relay failed: ${(err as Error).message}`);
    }
  }

  windowExpired(officerId: string, windowId: string): void {
    this.localWindowExpired(officerId, windowId);
    try {
      this.ns?.serverSideEmit(WINDOW_EXPIRED, officerId, windowId);
    } catch (err) {
      this.logger.warn(`window-expired relay failed: ${(err as Error).message}`);
    }
  }

  disconnect(accountId: string): void {
    try {
      // Through the adapter: the account's sockets on every instance.
      this.ns?.in(accountRoom(accountId)).disconnectSockets(true);
    } catch (err) {
      this.logger.warn(`disconnect failed: ${(err as Error).message}`);
    }
  }

  /**
   * Emitted and closed per socket on the instance holding it, so the event is written before
   * the close (engine.io drains a socket's buffer before closing it).
   */
  private localWindowExpired(officerId: string, windowId: string): void {
    for (const s of this.localSockets(officerId)) {
      // Local (not through the adapter): with connection state recovery a socket's emit is first
      // written to the Redis stream and sent after that round trip, i.e. after the close below. The
      // server closes the socket, so its session ends and no recovery is due for this packet.
      this.ns?.local.to(s.id).emit(SOCKET_EVENTS.availabilityExpired, { windowId });
      s.disconnect(true);
    }
  }

  /** This instance's sockets of an account (never remote ones). */
  localSockets(accountId: string): Socket[] {
    const ids = this.ns?.adapter.rooms.get(accountRoom(accountId));
    if (!ids || !this.ns) return [];
    const out: Socket[] = [];
    for (const id of ids) {
      const s = this.ns.sockets.get(id);
      if (s) out.push(s);
    }
    return out;
  }

  private localWindowChanged(officerId: string): void {
    for (const s of this.localSockets(officerId)) this.onWindowChanged?.(s);
  }
}

import { Injectable, Logger } from '@nestjs/common';
import type { Tx } from '@heyblue/platform';
import { pushMessageFor, pushRuleOf, type PushMessage } from '../../domain/push-rules.js';
import type { NotificationEvent } from '../../notification-events.js';
import {
  CommitHooks,
  DeviceDirectory,
  NotificationsSettings,
  PushOutbox,
  PushThrottle,
  SocketChannel,
  UnitOfWork,
} from '../ports.js';

/**
 * The one way a context notifies an account: its live sockets at once, and its phones when the
 * push rules say so (durably: the push is queued through the outbox and sent once per device).
 * A notification never fails the use case that caused it: failures are logged, the app re-reads
 * over REST.
 */
@Injectable()
export class Notifier {
  private readonly logger = new Logger('Notifier');
  private socket?: SocketChannel;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: PushOutbox,
    private readonly hooks: CommitHooks,
    private readonly throttle: PushThrottle,
    private readonly devices: DeviceDirectory,
    private readonly settings: NotificationsSettings,
  ) {}

  /** The socket implementation (Connections' gateway hub), attached once at start. */
  attachSocket(channel: SocketChannel): void {
    this.socket = channel;
  }

  /**
   * Emits now and, when a push is due, queues it in a transaction of its own. Resolves once the
   * push is durably queued (or known not due), so a caller answering afterwards never loses it.
   * A push that could not be queued is logged, or with `mustQueue` rejects (for a caller that
   * retries, e.g. a scheduled job).
   */
  async notify(
    accountId: string,
    event: NotificationEvent,
    payload: unknown,
    opts: { mustQueue?: boolean } = {},
  ): Promise<void> {
    this.emit(accountId, event, payload);
    try {
      const message = await this.pushDue(accountId, event, payload);
      if (!message) return;
      await this.uow.run(async (tx) => {
        if (await this.devices.hasAny(accountId, tx)) await this.outbox.publish(tx, { accountId, message });
      });
      this.outbox.kick();
    } catch (err) {
      this.logger.warn({ event, err: (err as Error).message }, 'could not queue a push');
      if (opts.mustQueue) throw err;
    }
  }

  /**
   * For event handlers: the push (when due) is queued in the handler's transaction `tx`, and the
   * socket emit happens once it commits, so an event applied again after a rollback notifies once.
   */
  async notifyAfterCommit(
    tx: Tx,
    accountId: string,
    event: NotificationEvent,
    payload: unknown,
  ): Promise<void> {
    this.hooks.after(tx, () => {
      this.emit(accountId, event, payload);
      this.outbox.kick();
    });
    const message = await this.pushDue(accountId, event, payload).catch((err: Error) => {
      this.logger.warn({ event, err: err.message }, 'could not decide on a push');
      return null;
    });
    if (message && (await this.devices.hasAny(accountId, tx)))
      await this.outbox.publish(tx, { accountId, message });
  }

  private emit(accountId: string, event: NotificationEvent, payload: unknown): void {
    try {
      this.socket?.emit(accountId, event, payload);
    } catch (err) {
      this.logger.warn(`socket ${event} failed: ${(err as Error).message}`);
    }
  }

  private async pushDue(
    accountId: string,
    event: NotificationEvent,
    payload: unknown,
  ): Promise<PushMessage | null> {
    const rule = pushRuleOf(event);
    if (rule === 'never') return null;
    if (rule === 'when-offline' && (await this.socket?.isLive(accountId))) return null;
    if (
      rule === 'throttled' &&
      !(await this.throttle.firstIn(accountId, event, this.settings.nearbyPushEveryMs))
    )
      return null;
    return pushMessageFor(event, payload);
  }
}

import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AccountSuspended, SocketAuthenticator } from '@heyblue/iam';
import { EventConsumers } from '@heyblue/platform';
import { DeviceStore } from '../application/ports.js';
import { NOTIFICATIONS_HANDLERS } from '../notifications.constants.js';

/**
 * A device belongs to the session that registered it. When IAM ends a session (logout,
 * `DELETE /me/sessions/{id}`, a phone verified elsewhere) or suspends an account, its devices go:
 * at once through IAM's revocation broadcast (every instance hears it; deleting twice is
 * harmless), and durably for suspensions through AccountSuspended. The sender also checks the
 * session is live before each push, so a broadcast missed while Redis was away sends nothing.
 */
@Injectable()
export class RemoveDevicesWhenAccessEnds implements OnModuleInit {
  private readonly logger = new Logger('RemoveDevicesWhenAccessEnds');

  constructor(
    private readonly iam: SocketAuthenticator,
    private readonly devices: DeviceStore,
    private readonly consumers: EventConsumers,
  ) {}

  onModuleInit(): void {
    this.iam.onAccessRevoked(({ accountId, sessionId, reason }) => {
      // A role change closes sockets for re-authorisation; the sessions, and their devices, live on.
      if (reason === 'role_changed') return;
      const removal = sessionId
        ? this.devices.removeBySession(sessionId)
        : this.devices.removeByAccount(accountId);
      removal.catch((err: Error) =>
        this.logger.warn(`could not remove devices of an ended session: ${err.message}`),
      );
    });
    this.consumers.subscribe(
      NOTIFICATIONS_HANDLERS.removeDevicesOfSuspended,
      AccountSuspended,
      async (e, tx) => {
        await tx.notificationsDevice.deleteMany({ where: { accountId: e.payload.accountId } });
      },
      { locks: (e) => [e.payload.accountId] },
    );
  }
}

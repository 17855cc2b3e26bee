import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AccountRoleChanged, AccountSuspended, type Role } from '@heyblue/iam';
import { EventConsumers } from '@heyblue/platform';
import { GeoIndex, type IndexRole } from '../../infrastructure/geo-index.js';
import { AvailabilityService } from '../availability.service.js';
import { ConnectionRequestsService } from '../connection-requests.service.js';
import { AccountNotifier } from '../ports.js';

/**
 * What an account stops being when its role changes: a former officer leaves the officers'
 * index (and their window closes), a former citizen the citizens' one.
 */
export function rolesLeft(previousRole: Role, role: Role): IndexRole[] {
  const left: IndexRole[] = [];
  if (previousRole === 'officer' && role !== 'officer') left.push('officer');
  if (previousRole === 'citizen' && role !== 'citizen') left.push('citizen');
  return left;
}

/**
 * IAM changed an account's role or suspended it: the account leaves what it may no longer be
 * part of, at once (the event is relayed on commit) and for sure (a failed attempt is retried;
 * every step is idempotent). IAM's revocation notice has already closed the account's sockets
 * on every instance; closing them here again covers a notice lost on the way.
 */
@Injectable()
export class WithdrawAccountWhenAccessChanged implements OnModuleInit {
  private readonly logger = new Logger('WithdrawAccount');

  constructor(
    private readonly consumers: EventConsumers,
    private readonly availability: AvailabilityService,
    private readonly requests: ConnectionRequestsService,
    private readonly geo: GeoIndex,
    private readonly notifier: AccountNotifier,
  ) {}

  onModuleInit(): void {
    this.consumers.subscribe('connections.withdraw-on-role-change', AccountRoleChanged, async (event) => {
      const { accountId, previousRole, role } = event.payload;
      await this.withdraw(accountId, rolesLeft(previousRole, role));
    });
    this.consumers.subscribe('connections.withdraw-on-suspension', AccountSuspended, async (event) => {
      await this.withdraw(event.payload.accountId, ['officer', 'citizen']);
    });
  }

  /** Out of the index and the live map, window closed, requests ended, sockets closed. */
  async withdraw(accountId: string, roles: IndexRole[], now = Date.now()): Promise<void> {
    if (roles.includes('officer')) await this.availability.withdraw(accountId);
    if (roles.includes('citizen')) await this.geo.remove('citizen', accountId);
    const ended = roles.length > 0 ? await this.requests.endPendingOf(accountId, now) : 0;
    this.notifier.disconnect(accountId);
    this.logger.log(
      `account ${accountId} withdrawn (${roles.join(', ') || 'sockets only'}; ${ended} request(s) ended)`,
    );
  }
}

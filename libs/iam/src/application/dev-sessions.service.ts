import { Injectable } from '@nestjs/common';
import { DomainError, OutboxService, PrismaService } from '@heyblue/platform';
import { randomBytes, randomInt } from 'node:crypto';
import { devLoginEmail, type Role } from '../domain/account.js';
import { AccountCreated } from '../events/account-created.integration-event.js';
import { DEV_PROVIDER_ID, IamConfig } from '../infrastructure/iam-config.js';
import { PrismaAccountsRepository } from '../infrastructure/prisma-accounts.repository.js';
import { PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';
import { SessionService } from './session.service.js';

export interface IssuedDevSession {
  accountId: string;
  role: Role;
  login: string;
  phone: string;
  deviceId: string;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
}

/** `session:issue`: verified accounts with live sessions for load tests and demos (development mode only). */
@Injectable()
export class DevSessionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly accounts: PrismaAccountsRepository,
    private readonly sessions: SessionService,
    private readonly audit: PrismaAuditRepository,
    private readonly config: IamConfig,
  ) {}

  async issue(role: Role, count: number): Promise<IssuedDevSession[]> {
    if (!this.config.devMode)
      throw new DomainError(
        'DEV_MODE_REQUIRED',
        'session:issue works only with HEYBLUE_DEV_MODE=true (never in production).',
        403,
      );
    if (!Number.isInteger(count) || count < 1 || count > 10_000)
      throw new DomainError('INVALID_COUNT', 'count must be 1..10000', 400);
    const out: IssuedDevSession[] = [];
    for (let i = 0; i < count; i++) {
      const login = `load-${role}-${randomBytes(5).toString('hex')}`;
      const phone = `+1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
      const deviceId = `load-device-${randomBytes(6).toString('hex')}`;
      const issued = await this.prisma.$transaction(async (tx) => {
        const account = await this.accounts.create(tx, {
          role,
          email: devLoginEmail(login),
          emailVerified: true,
          displayName: login,
          provider: DEV_PROVIDER_ID,
          subject: login,
        });
        await this.accounts.setVerifiedPhone(tx, account.id, phone);
        await this.accounts.bindPhone(
          tx,
          this.config.cipher.blindIndex('phone', phone),
          deviceId,
          account.id,
        );
        await this.outbox.publish(
          tx,
          new AccountCreated({ accountId: account.id, role, displayName: login, precinct: null }),
        );
        const s = await this.sessions.issue(tx, account, deviceId);
        await this.audit.record({ action: 'dev_session_issued', targetId: account.id, detail: { role } }, tx);
        return { account, s };
      });
      out.push({
        accountId: issued.account.id,
        role,
        login,
        phone,
        deviceId,
        accessToken: issued.s.accessToken,
        refreshToken: issued.s.refreshToken,
        accessTokenExpiresAt: issued.s.accessTokenExpiresAt,
      });
    }
    this.outbox.kick();
    return out;
  }
}

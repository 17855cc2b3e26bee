import { Injectable } from '@nestjs/common';
import { PrismaService, RateLimiter, type RateLimitRule, type Tx } from '@heyblue/platform';
import type { AccountRow } from '../infrastructure/prisma-accounts.repository.js';
import { IamErrors } from '../domain/iam.errors.js';
import { phoneMustBeInSupportedCountry } from '../domain/rules/phone-must-be-in-supported-country.rule.js';
import { AccessRevocations, type AccessRevokedInfo } from '../infrastructure/access-revocations.js';
import { IamConfig } from '../infrastructure/iam-config.js';
import { PrismaAccountsRepository } from '../infrastructure/prisma-accounts.repository.js';
import { PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';
import { PrismaSessionsRepository } from '../infrastructure/prisma-sessions.repository.js';
import { RedisFlowStore } from '../infrastructure/redis-flow.store.js';
import { SmsVerification } from '../infrastructure/sms/sms-verification.port.js';
import type { RequestMeta } from './request-meta.js';
import { SessionService, type SessionView } from './session.service.js';

/**
 * OTP sends (RATE_LIMITS can override): 3 per phone per 10 minutes — counted for the account
 * that asks, so another account cannot spend them —, 5 per account per hour whatever the
 * numbers (SMS pumping through one sign-in), and 10 per IP per hour.
 */
export const OTP_PER_PHONE: RateLimitRule = { name: 'iam-otp-phone', points: 3, durationS: 600 };
export const OTP_PER_ACCOUNT: RateLimitRule = { name: 'iam-otp-account', points: 5, durationS: 3_600 };
export const OTP_PER_IP: RateLimitRule = { name: 'iam-otp-ip', points: 10, durationS: 3_600 };
/** Wrong codes after which the pending verification is void. */
export const MAX_OTP_FAILURES = 5;

/**
 * Phone verification completes a sign-in: one phone number belongs to one account and one
 * device. A mobile verification binds the number to its device (ending the old device's
 * sessions); a dashboard one (web registration) is a step-up that binds nothing.
 */
@Injectable()
export class PhoneVerificationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly flows: RedisFlowStore,
    private readonly sms: SmsVerification,
    private readonly limiter: RateLimiter,
    private readonly accounts: PrismaAccountsRepository,
    private readonly sessionsRepo: PrismaSessionsRepository,
    private readonly sessions: SessionService,
    private readonly audit: PrismaAuditRepository,
    private readonly revocations: AccessRevocations,
    private readonly config: IamConfig,
  ) {}

  async start(registrationToken: string, phone: string, meta: RequestMeta): Promise<void> {
    const reg = await this.flows.peekRegistration(registrationToken);
    if (!reg) throw IamErrors.registrationTokenInvalid();
    phoneMustBeInSupportedCountry(phone, this.config.otpCountries);
    const phoneHash = this.config.cipher.blindIndex('phone', phone);
    const account = await this.accounts.byId(this.prisma, reg.accountId);
    if (!account) throw IamErrors.registrationTokenInvalid();
    if (account.status === 'suspended') throw IamErrors.accountSuspended();
    // Counted before the ownership checks, so PHONE_IN_USE cannot be used to enumerate numbers.
    await this.limiter.consume(OTP_PER_IP, `ip:${meta.ip ?? 'unknown'}`);
    await this.limiter.consume(OTP_PER_ACCOUNT, `account:${account.id}`);
    await this.phoneMustBeTheAccounts(this.prisma, account, phoneHash);
    await this.limiter.consume(OTP_PER_PHONE, `phone:${phoneHash}:${account.id}`);
    await this.sms.start(phone);
    await this.flows.putOtp(account.id, phoneHash);
    await this.audit.record({
      actorId: reg.accountId,
      action: 'phone_code_sent',
      targetId: reg.accountId,
      ...meta,
    });
  }

  async verify(
    registrationToken: string,
    phone: string,
    code: string,
    deviceId: string,
    meta: RequestMeta,
  ): Promise<SessionView> {
    const reg = await this.flows.peekRegistration(registrationToken);
    if (!reg) throw IamErrors.registrationTokenInvalid();
    const phoneHash = this.config.cipher.blindIndex('phone', phone);
    const pending = await this.flows.getOtp(reg.accountId, phoneHash);
    if (!pending || pending.failures >= MAX_OTP_FAILURES) throw IamErrors.verificationNotFound();
    if (!(await this.sms.check(phone, code))) {
      const failures = await this.flows.failOtp(reg.accountId, phoneHash);
      if (failures >= MAX_OTP_FAILURES) await this.flows.dropOtp(reg.accountId, phoneHash);
      await this.audit.record({
        actorId: reg.accountId,
        action: 'phone_verification_failed',
        targetId: reg.accountId,
        ...meta,
        detail: { failures },
      });
      throw IamErrors.otpInvalid(Math.max(0, MAX_OTP_FAILURES - failures));
    }
    // Single use: of two concurrent verifications only one gets the registration.
    if (!(await this.flows.takeRegistration(registrationToken))) throw IamErrors.registrationTokenInvalid();
    await this.flows.dropOtp(reg.accountId, phoneHash);
    const revoked: AccessRevokedInfo[] = [];
    const session = await this.prisma.$transaction(async (tx) => {
      await this.accounts.lockPhone(tx, phoneHash);
      const account = await this.accounts.byId(tx, reg.accountId);
      if (!account) throw IamErrors.registrationTokenInvalid();
      if (account.status === 'suspended') throw IamErrors.accountSuspended();
      // Checked again under the lock: another account may have verified the number meanwhile.
      await this.phoneMustBeTheAccounts(tx, account, phoneHash);
      if (!account.phoneVerified) await this.accounts.setVerifiedPhone(tx, account.id, phone);
      if (!reg.web) {
        const replaced = await this.accounts.bindPhone(tx, phoneHash, deviceId, account.id);
        if (replaced) {
          const ended = await this.sessionsRepo.revokeAll(
            tx,
            replaced.accountId,
            'device_replaced',
            replaced.deviceId,
          );
          revoked.push(...ended.map((sessionId) => ({ accountId: replaced.accountId, sessionId })));
        }
        // The account's mobile sessions on other devices end too: the phone now lives on this
        // device. The dashboard's (web) sessions are not a phone's and stay.
        const others = await this.sessionsRepo.revokeOtherDevices(
          tx,
          account.id,
          deviceId,
          'device_replaced',
        );
        revoked.push(...others.map((sessionId) => ({ accountId: account.id, sessionId })));
      }
      const s = await this.sessions.issue(tx, account, deviceId, { web: reg.web === true });
      await this.audit.record(
        {
          actorId: account.id,
          action: 'sign_in',
          targetId: account.id,
          ...meta,
          detail: {
            phoneVerified: true,
            stepUp: reg.web === true,
            sessionId: s.sessionId,
            devicesReplaced: revoked.length,
          },
        },
        tx,
      );
      return s;
    });
    if (revoked.length > 0) await this.revocations.publish(revoked);
    const { sessionId: _sid, ...view } = session;
    return view;
  }

  /** One phone number belongs to one account, and an account keeps the number it verified. */
  private async phoneMustBeTheAccounts(
    db: Tx | PrismaService,
    account: AccountRow,
    phoneHash: string,
  ): Promise<void> {
    if (account.phoneVerified) {
      const own = await this.accounts.verifiedPhoneHash(db, account.id);
      if (own !== null && own !== phoneHash) throw IamErrors.phoneMismatch();
    }
    if (await this.accounts.phoneHeldByAnother(db, phoneHash, account.id)) throw IamErrors.phoneInUse();
  }
}

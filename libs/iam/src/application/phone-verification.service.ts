import { Injectable } from '@nestjs/common';
import { PrismaService, RateLimiter, type RateLimitRule } from '@heyblue/platform';
import { IamErrors } from '../domain/iam.errors.js';
import { AccessRevocations, type AccessRevokedInfo } from '../infrastructure/access-revocations.js';
import { IamConfig } from '../infrastructure/iam-config.js';
import { PrismaAccountsRepository } from '../infrastructure/prisma-accounts.repository.js';
import { PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';
import { PrismaSessionsRepository } from '../infrastructure/prisma-sessions.repository.js';
import { RedisFlowStore } from '../infrastructure/redis-flow.store.js';
import { SmsVerification } from '../infrastructure/sms/sms-verification.port.js';
import type { RequestMeta } from './request-meta.js';
import { SessionService, type SessionView } from './session.service.js';

/** OTP sends: 3 per phone per 10 minutes, 10 per IP per hour (RATE_LIMITS can override). */
export const OTP_PER_PHONE: RateLimitRule = { name: 'iam-otp-phone', points: 3, durationS: 600 };
export const OTP_PER_IP: RateLimitRule = { name: 'iam-otp-ip', points: 10, durationS: 3_600 };
/** Wrong codes after which the pending verification is void. */
export const MAX_OTP_FAILURES = 5;

/** Phone verification completes registration; one phone number maps to one device. */
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
    const phoneHash = this.config.cipher.blindIndex('phone', phone);
    await this.limiter.consume(OTP_PER_IP, `ip:${meta.ip ?? 'unknown'}`);
    await this.limiter.consume(OTP_PER_PHONE, `phone:${phoneHash}`);
    await this.sms.start(phone);
    await this.flows.putOtp(phoneHash, reg.accountId);
    await this.audit.record({ actorId: reg.accountId, action: 'phone_code_sent', targetId: reg.accountId, ...meta });
  }

  async verify(registrationToken: string, phone: string, code: string, deviceId: string, meta: RequestMeta): Promise<SessionView> {
    const reg = await this.flows.peekRegistration(registrationToken);
    if (!reg) throw IamErrors.registrationTokenInvalid();
    const phoneHash = this.config.cipher.blindIndex('phone', phone);
    const pending = await this.flows.getOtp(phoneHash);
    if (!pending || pending.accountId !== reg.accountId || pending.failures >= MAX_OTP_FAILURES) throw IamErrors.verificationNotFound();
    if (!(await this.sms.check(phone, code))) {
      const failures = await this.flows.failOtp(phoneHash);
      if (failures >= MAX_OTP_FAILURES) await this.flows.dropOtp(phoneHash);
      await this.audit.record({ actorId: reg.accountId, action: 'phone_verification_failed', targetId: reg.accountId, ...meta, detail: { failures } });
      throw IamErrors.otpInvalid(Math.max(0, MAX_OTP_FAILURES - failures));
    }
    // Single use: of two concurrent verifications only one gets the registration.
    if (!(await this.flows.takeRegistration(registrationToken))) throw IamErrors.registrationTokenInvalid();
    await this.flows.dropOtp(phoneHash);
    const revoked: AccessRevokedInfo[] = [];
    const session = await this.prisma.$transaction(async (tx) => {
      const account = await this.accounts.byId(tx, reg.accountId);
      if (!account) throw IamErrors.registrationTokenInvalid();
      if (account.status === 'suspended') throw IamErrors.accountSuspended();
      await this.accounts.setVerifiedPhone(tx, account.id, phone);
      const replaced = await this.accounts.bindPhone(tx, phoneHash, deviceId, account.id);
      if (replaced) {
        const ended = await this.sessionsRepo.revokeAll(tx, replaced.accountId, 'device_replaced', replaced.deviceId);
        revoked.push(...ended.map((sessionId) => ({ accountId: replaced.accountId, sessionId })));
      }
      // Sessions of this account on other devices end too: the phone now lives on this device.
      const others = await this.sessionsRepo.revokeOtherDevices(tx, account.id, deviceId, 'device_replaced');
      revoked.push(...others.map((sessionId) => ({ accountId: account.id, sessionId })));
      const s = await this.sessions.issue(tx, account, deviceId);
      await this.audit.record({ actorId: account.id, action: 'sign_in', targetId: account.id, ...meta, detail: { phoneVerified: true, sessionId: s.sessionId, devicesReplaced: revoked.length } }, tx);
      return s;
    });
    if (revoked.length > 0) await this.revocations.publish(revoked);
    const { sessionId: _sid, ...view } = session;
    return view;
  }
}

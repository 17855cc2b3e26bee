import type { PrismaService, RateLimiter, RateLimitRule } from '@heyblue/platform';
import type { AccessRevocations, AccessRevokedInfo } from '../infrastructure/access-revocations.js';
import type { IamConfig } from '../infrastructure/iam-config.js';
import { PiiCipher, devKey } from '../infrastructure/pii-cipher.js';
import type { PrismaAccountsRepository } from '../infrastructure/prisma-accounts.repository.js';
import type { PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';
import type { PrismaSessionsRepository } from '../infrastructure/prisma-sessions.repository.js';
import type { PendingOtp, RedisFlowStore, Registration } from '../infrastructure/redis-flow.store.js';
import { SmsVerification } from '../infrastructure/sms/sms-verification.port.js';
import {
  MAX_OTP_FAILURES,
  OTP_PER_ACCOUNT,
  OTP_PER_IP,
  OTP_PER_PHONE,
  PhoneVerificationService,
} from './phone-verification.service.js';
import type { SessionService } from './session.service.js';

class FakeSms extends SmsVerification {
  sent: string[] = [];
  code = '123456';
  async start(phone: string): Promise<void> {
    this.sent.push(phone);
  }
  async check(_phone: string, code: string): Promise<boolean> {
    return code === this.code;
  }
}

class FakeFlows {
  regs = new Map<string, Registration>();
  otps = new Map<string, PendingOtp>();
  async peekRegistration(t: string) {
    return this.regs.get(t) ?? null;
  }
  async takeRegistration(t: string) {
    const r = this.regs.get(t) ?? null;
    this.regs.delete(t);
    return r;
  }
  async putOtp(accountId: string, h: string) {
    this.otps.set(`${accountId}|${h}`, { accountId, failures: 0 });
  }
  async getOtp(accountId: string, h: string) {
    return this.otps.get(`${accountId}|${h}`) ?? null;
  }
  async failOtp(accountId: string, h: string) {
    const o = this.otps.get(`${accountId}|${h}`)!;
    o.failures += 1;
    return o.failures;
  }
  async dropOtp(accountId: string, h: string) {
    this.otps.delete(`${accountId}|${h}`);
  }
}

const hmac = new PiiCipher({ currentKid: 'k', keys: new Map([['k', devKey('a')]]), hmacKey: devKey('h') });
const cipherHash = (p: string) => hmac.blindIndex('phone', p);

describe('PhoneVerificationService', () => {
  const phone = '+15551234567';
  let sms: FakeSms;
  let flows: FakeFlows;
  let consumed: Array<[string, string]>;
  let bindings: Map<string, { deviceId: string; accountId: string }>;
  let revokedDevices: Array<[string, string]>;
  let published: AccessRevokedInfo[];
  /** Verified phone (blind index) per account. */
  let phones: Map<string, string>;
  let service: PhoneVerificationService;

  beforeEach(() => {
    sms = new FakeSms();
    flows = new FakeFlows();
    flows.regs.set('reg-1', { accountId: 'acc-1' });
    consumed = [];
    bindings = new Map();
    revokedDevices = [];
    published = [];
    phones = new Map();
    const cipher = new PiiCipher({
      currentKid: 'k',
      keys: new Map([['k', devKey('a')]]),
      hmacKey: devKey('h'),
    });
    const limiter = {
      consume: async (rule: RateLimitRule, key: string) => void consumed.push([rule.name, key]),
    } as unknown as RateLimiter;
    const accounts = {
      byId: async (_db: unknown, id: string) => ({
        id,
        role: 'citizen',
        status: 'active',
        phoneVerified: phones.has(id),
        displayName: null,
      }),
      setVerifiedPhone: async (_db: unknown, id: string, p: string) =>
        void phones.set(id, cipher.blindIndex('phone', p)),
      verifiedPhoneHash: async (_db: unknown, id: string) => phones.get(id) ?? null,
      phoneHeldByAnother: async (_db: unknown, h: string, id: string) =>
        [...phones].some(([other, held]) => other !== id && held === h),
      lockPhone: async () => undefined,
      bindPhone: async (_db: unknown, h: string, deviceId: string, accountId: string) => {
        const prev = bindings.get(h) ?? null;
        bindings.set(h, { deviceId, accountId });
        return prev && prev.deviceId !== deviceId ? prev : null;
      },
    } as unknown as PrismaAccountsRepository;
    const sessionsRepo = {
      revokeAll: async (_db: unknown, accountId: string, _reason: string, deviceId: string) => {
        revokedDevices.push([accountId, deviceId]);
        return [`${accountId}-${deviceId}-session`];
      },
      revokeOtherDevices: async () => [],
    } as unknown as PrismaSessionsRepository;
    const sessions = {
      issue: async (_db: unknown, account: { id: string; role: string }) => ({
        sessionId: 's',
        accessToken: 'a',
        refreshToken: 'r',
        accessTokenExpiresAt: 'x',
        account,
      }),
    } as unknown as SessionService;
    const prisma = { $transaction: (fn: (tx: unknown) => unknown) => fn({}) } as unknown as PrismaService;
    service = new PhoneVerificationService(
      prisma,
      flows as unknown as RedisFlowStore,
      sms,
      limiter,
      accounts,
      sessionsRepo,
      sessions,
      { record: async () => undefined } as unknown as PrismaAuditRepository,
      {
        publish: async (i: AccessRevokedInfo[]) => void published.push(...i),
      } as unknown as AccessRevocations,
      { cipher, otpCountries: ['US'] } as unknown as IamConfig,
    );
  });

  it('counts a send against the IP, the account and the phone limit, never keyed by the raw number', async () => {
    await service.start('reg-1', phone, { ip: '10.0.0.1' });
    expect(sms.sent).toEqual([phone]);
    expect(consumed.map(([n]) => n)).toEqual([OTP_PER_IP.name, OTP_PER_ACCOUNT.name, OTP_PER_PHONE.name]);
    expect(consumed[0]![1]).toBe('ip:10.0.0.1');
    expect(consumed[1]![1]).toBe('account:acc-1');
    // Another account asking for the same number counts against its own sends, not this one's.
    expect(consumed[2]![1]).toContain('acc-1');
    expect(consumed[2]![1]).not.toContain('5551234567');
  });

  it('sends nothing to a number outside the configured countries and counts nothing', async () => {
    await expect(service.start('reg-1', '+447911123456', { ip: '10.0.0.1' })).rejects.toMatchObject({
      code: 'PHONE_COUNTRY_NOT_SUPPORTED',
      status: 422,
    });
    expect(sms.sent).toEqual([]);
    expect(consumed).toEqual([]);
  });

  it('voids the pending code after the fifth wrong one', async () => {
    await service.start('reg-1', phone, {});
    for (let i = 1; i <= MAX_OTP_FAILURES; i++) {
      await expect(service.verify('reg-1', phone, '000000', 'd1', {})).rejects.toMatchObject({
        code: 'OTP_INVALID',
        extra: { attemptsLeft: MAX_OTP_FAILURES - i },
      });
    }
    await expect(service.verify('reg-1', phone, '123456', 'd1', {})).rejects.toMatchObject({
      code: 'VERIFICATION_NOT_FOUND',
    });
    expect(flows.regs.has('reg-1')).toBe(true);
  });

  it('uses the registration token once and moves the number to a new device of the same account, ending the old one', async () => {
    await service.start('reg-1', phone, {});
    await service.verify('reg-1', phone, '123456', 'old-device', {});
    await expect(service.verify('reg-1', phone, '123456', 'old-device', {})).rejects.toMatchObject({
      code: 'REGISTRATION_TOKEN_INVALID',
    });
    flows.regs.set('reg-2', { accountId: 'acc-1' });
    await service.start('reg-2', phone, {});
    const session = await service.verify('reg-2', phone, '123456', 'new-device', {});
    expect(session.account.id).toBe('acc-1');
    expect(revokedDevices).toEqual([['acc-1', 'old-device']]);
    expect(published).toEqual([{ accountId: 'acc-1', sessionId: 'acc-1-old-device-session' }]);
  });

  it('refuses the number of another account (409 PHONE_IN_USE), at start and at verify', async () => {
    await service.start('reg-1', phone, {});
    flows.regs.set('reg-2', { accountId: 'acc-2' });
    await service.start('reg-2', phone, {});
    await service.verify('reg-1', phone, '123456', 'd1', {});
    await expect(service.verify('reg-2', phone, '123456', 'd2', {})).rejects.toMatchObject({
      code: 'PHONE_IN_USE',
      status: 409,
    });
    flows.regs.set('reg-3', { accountId: 'acc-3' });
    await expect(service.start('reg-3', phone, {})).rejects.toMatchObject({
      code: 'PHONE_IN_USE',
      status: 409,
    });
  });

  it('lets an account with a verified phone re-verify only that number (422 PHONE_MISMATCH)', async () => {
    await service.start('reg-1', phone, {});
    await service.verify('reg-1', phone, '123456', 'd1', {});
    flows.regs.set('reg-2', { accountId: 'acc-1' });
    await expect(service.start('reg-2', '+12125550123', {})).rejects.toMatchObject({
      code: 'PHONE_MISMATCH',
      status: 422,
    });
    expect(sms.sent).toEqual([phone]);
  });

  it('refuses a code for a phone that another registration asked for', async () => {
    flows.regs.set('reg-2', { accountId: 'acc-2' });
    await service.start('reg-1', phone, {});
    await expect(service.verify('reg-2', phone, '123456', 'd', {})).rejects.toMatchObject({
      code: 'VERIFICATION_NOT_FOUND',
    });
  });

  it('binds no device and ends no session on a dashboard step-up', async () => {
    await service.start('reg-1', phone, {});
    await service.verify('reg-1', phone, '123456', 'phone-1', {});
    flows.regs.set('web-1', { accountId: 'acc-1', web: true });
    await service.start('web-1', phone, {});
    await service.verify('web-1', phone, '123456', 'browser-1', {});
    expect(bindings.get(cipherHash(phone))).toEqual({ deviceId: 'phone-1', accountId: 'acc-1' });
    expect(revokedDevices).toEqual([]);
    expect(published).toEqual([]);
  });
});

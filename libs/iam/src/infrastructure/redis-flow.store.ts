import { Injectable } from '@nestjs/common';
import { RedisService } from '@heyblue/platform';
import type { PendingSignIn } from './oidc-clients.js';
import { hashToken } from './tokens.js';

export interface Registration {
  accountId: string;
  /** Started from a web redirect (the dashboard): an OTP step-up that never moves the phone's device binding. */
  web?: boolean;
}

export interface PendingOtp {
  accountId: string;
  failures: number;
}

/** OTP verification window (Twilio Verify codes live 10 minutes). */
const OTP_TTL_S = 600;

/** Short-lived sign-in state in Redis: single-use by GETDEL, gone by TTL. */
@Injectable()
export class RedisFlowStore {
  constructor(private readonly redis: RedisService) {}

  async putSignIn(state: string, pending: PendingSignIn, ttlS: number): Promise<void> {
    await this.redis.client.set(
      this.redis.key('iam', 'oidc-state', hashToken(state)),
      JSON.stringify(pending),
      'EX',
      ttlS,
    );
  }

  /** Takes the pending sign-in once; a second call (replay) gets null. */
  async takeSignIn(state: string): Promise<PendingSignIn | null> {
    const raw = await this.redis.client.getdel(this.redis.key('iam', 'oidc-state', hashToken(state)));
    return raw ? (JSON.parse(raw) as PendingSignIn) : null;
  }

  async putRegistration(token: string, reg: Registration, ttlS: number): Promise<void> {
    await this.redis.client.set(this.regKey(token), JSON.stringify(reg), 'EX', ttlS);
  }

  async peekRegistration(token: string): Promise<Registration | null> {
    const raw = await this.redis.client.get(this.regKey(token));
    return raw ? (JSON.parse(raw) as Registration) : null;
  }

  async takeRegistration(token: string): Promise<Registration | null> {
    const raw = await this.redis.client.getdel(this.regKey(token));
    return raw ? (JSON.parse(raw) as Registration) : null;
  }

  /**
   * A pending verification belongs to the account whose registration started it: the key
   * names both, so another account's start neither replaces it nor counts its wrong codes.
   */
  async putOtp(accountId: string, phoneHash: string): Promise<void> {
    const key = this.otpKey(accountId, phoneHash);
    await this.redis.client
      .multi()
      .del(key)
      .hset(key, { accountId, failures: 0 })
      .expire(key, OTP_TTL_S)
      .exec();
  }

  async getOtp(accountId: string, phoneHash: string): Promise<PendingOtp | null> {
    const h = await this.redis.client.hgetall(this.otpKey(accountId, phoneHash));
    return h.accountId ? { accountId: h.accountId, failures: Number(h.failures ?? 0) } : null;
  }

  /** Counts a wrong code; returns the failures so far. */
  async failOtp(accountId: string, phoneHash: string): Promise<number> {
    return this.redis.client.hincrby(this.otpKey(accountId, phoneHash), 'failures', 1);
  }

  async dropOtp(accountId: string, phoneHash: string): Promise<void> {
    await this.redis.client.del(this.otpKey(accountId, phoneHash));
  }

  private regKey(token: string): string {
    return this.redis.key('iam', 'registration', hashToken(token));
  }

  private otpKey(accountId: string, phoneHash: string): string {
    return this.redis.key('iam', 'otp', accountId, phoneHash);
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { RateLimited, createResiliencePolicy, type ResiliencePolicy } from '@heyblue/platform';
import twilio from 'twilio';
import { IamErrors } from '../../domain/iam.errors.js';
import { IamConfig } from '../iam-config.js';
import { SmsVerification } from './sms-verification.port.js';

type TwilioClient = ReturnType<typeof twilio>;

/** Twilio answered with a client error: a verdict, not an outage (no retry, breaker untouched). */
const isClientError = (err: unknown): boolean => {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500;
};

/** Twilio Verify behind the resilience policy (timeout, retries, breaker → 503 SMS_UNAVAILABLE). */
@Injectable()
export class TwilioSmsAdapter extends SmsVerification {
  private readonly logger = new Logger('TwilioSmsAdapter');
  private readonly client?: TwilioClient;
  private readonly serviceSid?: string;
  private readonly policy: ResiliencePolicy;

  constructor(config: IamConfig) {
    super();
    const env = config.env;
    if (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_VERIFY_SERVICE_SID) {
      this.client = twilio(env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, {
        timeout: env.TWILIO_TIMEOUT_MS,
        autoRetry: false,
      });
      if (env.TWILIO_BASE_URL) this.client.verify.baseUrl = env.TWILIO_BASE_URL.replace(/\/$/, '');
      this.serviceSid = env.TWILIO_VERIFY_SERVICE_SID;
    } else if (config.smsAdapter === 'twilio') {
      this.logger.warn(
        'Twilio Verify is not configured (TWILIO_*): phone verification will answer 503 SMS_UNAVAILABLE',
      );
    }
    this.policy = createResiliencePolicy(
      'twilio-verify',
      {
        timeoutMs: env.TWILIO_TIMEOUT_MS,
        retries: 2,
        backoffMs: 100,
        breakerThreshold: 5,
        halfOpenAfterMs: env.TWILIO_BREAKER_HALF_OPEN_MS,
      },
      (err) => !isClientError(err),
    );
  }

  async start(phone: string): Promise<void> {
    await this.call(async (service) => {
      await service.verifications.create({ to: phone, channel: 'sms' });
    });
  }

  async check(phone: string, code: string): Promise<boolean> {
    return this.call(async (service) => {
      try {
        const result = await service.verificationChecks.create({ to: phone, code });
        return result.status === 'approved';
      } catch (err) {
        // 404 / 20404: no pending verification (expired, approved or used up) → simply not a match.
        if ((err as { status?: number }).status === 404) return false;
        throw err;
      }
    });
  }

  private async call<T>(
    fn: (service: ReturnType<TwilioClient['verify']['v2']['services']>) => Promise<T>,
  ): Promise<T> {
    if (!this.client || !this.serviceSid) throw IamErrors.smsUnavailable();
    const service = this.client.verify.v2.services(this.serviceSid);
    try {
      return await this.policy.execute(() => fn(service));
    } catch (err) {
      const e = err as { status?: number; code?: number; message?: string };
      if (isClientError(err)) {
        if (e.status === 429 || e.code === 60203) throw new RateLimited(600, 'RATE_LIMITED');
        if (e.status === 400 && (e.code === 60200 || e.code === 21211 || e.code === 60205))
          throw IamErrors.phoneInvalid();
        this.logger.warn(`twilio refused: ${e.status} ${e.code} ${e.message}`);
        throw IamErrors.smsUnavailable();
      }
      this.logger.warn(`twilio unavailable: ${e.message ?? String(err)}`);
      throw IamErrors.smsUnavailable();
    }
  }
}

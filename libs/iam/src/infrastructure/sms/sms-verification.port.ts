/** Sends and checks one-time codes by SMS (Twilio Verify in production, an outbox in dev mode). */
export abstract class SmsVerification {
  /** Sends a code to an E.164 number. Throws PHONE_INVALID, RATE_LIMITED or SMS_UNAVAILABLE. */
  abstract start(phone: string): Promise<void>;
  /** True when the code is the one pending for the number (which is then used up). */
  abstract check(phone: string, code: string): Promise<boolean>;
}

import { randomUUID } from 'node:crypto';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import type { PushMessage } from '../../domain/push-rules.js';
import { InvalidTokenError, PermanentPushError, TransientPushError } from './push-errors.js';
import type { PushSender } from './push-sender.js';

export interface ApnsOptions {
  /** The .p8 signing key (PEM, ES256). */
  key: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id. */
  topic: string;
  baseUrl: string;
  /** Extra CA (PEM) trusted for baseUrl. */
  ca?: string;
}

/** Apple asks for a new provider token at most every 20 minutes and rejects one older than an hour. */
const JWT_REFRESH_MS = 30 * 60_000;
/** The reasons for which Apple says the token will never work (the device goes). */
const INVALID_TOKEN_REASONS = new Set(['BadDeviceToken', 'Unregistered', 'DeviceTokenNotForTopic']);

/**
 * Apple Push Notification service over HTTP/2 (`POST /3/device/{token}`) with token-based auth:
 * an ES256 JWT `{iss: teamId, iat}` with the key id in its header (signed with jose), reused for
 * 30 minutes over one long-lived HTTP/2 connection, as Apple recommends.
 */
export class ApnsSender implements PushSender {
  readonly platform = 'apns' as const;
  private session?: ClientHttp2Session;
  private jwt?: { value: string; at: number };
  private key?: Promise<CryptoKey>;

  constructor(private readonly o: ApnsOptions) {}

  async send(token: string, message: PushMessage, signal: AbortSignal): Promise<void> {
    const bearer = await this.providerToken();
    const { status, body } = await this.post(token, bearer, message, signal);
    if (status === 200) return;
    let reason = '';
    try {
      reason = String((JSON.parse(body) as { reason?: string }).reason ?? '');
    } catch {
      /* no JSON body */
    }
    const what = `APNs ${status} ${reason}`.trim();
    if (status === 410 || INVALID_TOKEN_REASONS.has(reason)) throw new InvalidTokenError(what);
    if (status === 403 && (reason === 'ExpiredProviderToken' || reason === 'InvalidProviderToken')) {
      this.jwt = undefined;
      throw new TransientPushError(what);
    }
    if (status === 429 || status >= 500) throw new TransientPushError(what);
    throw new PermanentPushError(what);
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s && !s.closed) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async providerToken(): Promise<string> {
    if (this.jwt && Date.now() - this.jwt.at < JWT_REFRESH_MS) return this.jwt.value;
    try {
      this.key ??= importPKCS8(this.o.key, 'ES256');
      const value = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: this.o.keyId })
        .setIssuer(this.o.teamId)
        .setIssuedAt()
        .sign(await this.key);
      this.jwt = { value, at: Date.now() };
      return value;
    } catch (err) {
      this.key = undefined;
      throw new PermanentPushError(`APNs signing key unusable: ${(err as Error).message}`);
    }
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.o.baseUrl, this.o.ca ? { ca: this.o.ca } : {});
    session.on('error', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    // An idle connection must not keep the process alive at shutdown.
    session.unref();
    this.session = session;
    return session;
  }

  private post(
    token: string,
    bearer: string,
    message: PushMessage,
    signal: AbortSignal,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      let req: ReturnType<ClientHttp2Session['request']>;
      try {
        req = this.connection().request(
          {
            [constants.HTTP2_HEADER_METHOD]: 'POST',
            [constants.HTTP2_HEADER_PATH]: `/3/device/${encodeURIComponent(token)}`,
            authorization: `bearer ${bearer}`,
            'apns-topic': this.o.topic,
            'apns-push-type': 'alert',
            'apns-priority': '10',
            'apns-id': randomUUID(),
            'content-type': 'application/json',
          },
          { signal },
        );
      } catch (err) {
        reject(new TransientPushError(`APNs connection: ${(err as Error).message}`));
        return;
      }
      let status = 0;
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (headers) => (status = Number(headers[constants.HTTP2_HEADER_STATUS] ?? 0)));
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => resolve({ status, body }));
      req.on('error', (err) => reject(new TransientPushError(`APNs: ${err.message}`)));
      const { type, ...data } = message.data;
      req.end(
        JSON.stringify({
          aps: { alert: { title: message.title, body: message.body }, sound: 'default' },
          type,
          ...data,
        }),
      );
    });
  }
}

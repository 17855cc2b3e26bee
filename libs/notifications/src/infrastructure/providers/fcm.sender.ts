import { SignJWT, importPKCS8 } from 'jose';
import type { PushMessage } from '../../domain/push-rules.js';
import { InvalidTokenError, PermanentPushError, TransientPushError } from './push-errors.js';
import type { PushSender } from './push-sender.js';

/** The fields of a Google service account key file that the OAuth2 JWT-bearer grant needs. */
export interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export function parseServiceAccount(json: string): ServiceAccount {
  let sa: Partial<ServiceAccount>;
  try {
    sa = JSON.parse(json) as Partial<ServiceAccount>;
  } catch {
    throw new Error('FCM_SERVICE_ACCOUNT_JSON is not JSON');
  }
  if (!sa.client_email || !sa.private_key)
    throw new Error('FCM_SERVICE_ACCOUNT_JSON needs client_email and private_key');
  return { ...sa, token_uri: sa.token_uri ?? 'https://oauth2.googleapis.com/token' } as ServiceAccount;
}

async function readJson(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text().catch(() => '');
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return { raw: text.slice(0, 200) };
  }
}

/**
 * Firebase Cloud Messaging HTTP v1 (`POST /v1/projects/{project}/messages:send`), authorised by
 * an OAuth2 access token from the service account (RFC 7523 JWT-bearer grant, RS256 assertion
 * signed with jose), cached until a minute before it expires.
 */
export class FcmSender implements PushSender {
  readonly platform = 'fcm' as const;
  private access?: { token: string; until: number };
  private pending?: Promise<string>;

  constructor(
    private readonly projectId: string,
    private readonly account: ServiceAccount,
    private readonly baseUrl: string,
  ) {}

  async send(token: string, message: PushMessage, signal: AbortSignal): Promise<void> {
    const bearer = await this.accessToken(signal);
    let res: Response;
    try {
      res = await fetch(
        `${this.baseUrl.endsWith('/') ? this.baseUrl.slice(0, -1) : this.baseUrl}/v1/projects/${encodeURIComponent(this.projectId)}/messages:send`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            message: {
              token,
              notification: { title: message.title, body: message.body },
              data: message.data,
              android: { priority: 'HIGH' },
            },
          }),
          signal,
        },
      );
    } catch (err) {
      throw new TransientPushError(`network: ${(err as Error).message}`);
    }
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    const body = await readJson(res);
    const error = (body.error ?? {}) as {
      status?: string;
      message?: string;
      details?: Array<{ errorCode?: string }>;
    };
    const code = error.details?.find((d) => d.errorCode)?.errorCode ?? error.status ?? '';
    const what = `FCM ${res.status} ${code}`.trim();
    if (code === 'UNREGISTERED' || (res.status === 404 && code === 'NOT_FOUND'))
      throw new InvalidTokenError(what);
    if (res.status === 401) {
      this.access = undefined; // revoked or expired early: the next attempt fetches a new one
      throw new TransientPushError(what);
    }
    if (res.status === 429 || res.status >= 500) throw new TransientPushError(what);
    throw new PermanentPushError(`${what}: ${String(error.message ?? '').slice(0, 200)}`);
  }

  private async accessToken(signal: AbortSignal): Promise<string> {
    if (this.access && this.access.until > Date.now()) return this.access.token;
    this.pending ??= this.fetchToken(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchToken(signal: AbortSignal): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    let assertion: string;
    try {
      const key = await importPKCS8(this.account.private_key, 'RS256');
      assertion = await new SignJWT({ scope: SCOPE })
        .setProtectedHeader({
          alg: 'RS256',
          typ: 'JWT',
          ...(this.account.private_key_id ? { kid: this.account.private_key_id } : {}),
        })
        .setIssuer(this.account.client_email)
        .setSubject(this.account.client_email)
        .setAudience(this.account.token_uri)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(key);
    } catch (err) {
      throw new PermanentPushError(`FCM service account key unusable: ${(err as Error).message}`);
    }
    let res: Response;
    try {
      res = await fetch(this.account.token_uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion,
        }).toString(),
        signal,
      });
    } catch (err) {
      throw new TransientPushError(`OAuth2 token endpoint: ${(err as Error).message}`);
    }
    const body = await readJson(res);
    if (!res.ok || typeof body.access_token !== 'string') {
      const what = `OAuth2 token endpoint ${res.status} ${String(body.error ?? '')}`;
      if (res.status === 429 || res.status >= 500) throw new TransientPushError(what);
      throw new PermanentPushError(what);
    }
    const ttlS = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    this.access = { token: body.access_token, until: Date.now() + Math.max(ttlS - 60, 30) * 1000 };
    return body.access_token;
  }
}

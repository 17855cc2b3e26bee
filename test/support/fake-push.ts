import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { constants, createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importSPKI,
  jwtVerify,
  decodeProtectedHeader,
  type CryptoKey,
} from 'jose';

/** One push a fake provider accepted. */
export interface ReceivedPush {
  platform: 'fcm' | 'apns';
  token: string;
  /** When the fake received it (ms since epoch). */
  at: number;
  title: string;
  body: string;
  data: Record<string, string>;
  /** The request body exactly as sent. */
  raw: string;
}

/** What the fake answers the next sends to a token: a status (with the provider's error body) or 'ok'. */
export type Scripted = 'ok' | 'invalid' | 429 | 500 | 503;

abstract class FakeProvider {
  readonly received: ReceivedPush[] = [];
  /** Every send attempt, accepted or refused, by token. */
  readonly attempts = new Map<string, number>();
  private readonly scripts = new Map<string, Scripted[] | Scripted>();

  /** `answers` in turn, then the last one for good (a single value: always). */
  script(token: string, answers: Scripted[] | Scripted): void {
    this.scripts.set(token, Array.isArray(answers) ? [...answers] : answers);
  }

  protected next(token: string): Scripted {
    this.attempts.set(token, (this.attempts.get(token) ?? 0) + 1);
    const s = this.scripts.get(token);
    if (s === undefined) return 'ok';
    if (!Array.isArray(s)) return s;
    return s.length > 1 ? s.shift()! : (s[0] ?? 'ok');
  }

  to(token: string): ReceivedPush[] {
    return this.received.filter((p) => p.token === token);
  }
}

const readBody = (req: NodeJS.ReadableStream): Promise<string> =>
  new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });

/**
 * Firebase as the FCM HTTP v1 API and Google's OAuth2 token endpoint speak it: `POST /token` takes
 * the RFC 7523 JWT-bearer grant and checks the RS256 assertion against the service account's key
 * (issuer, audience, scope, expiry); `POST /v1/projects/{project}/messages:send` takes only an access
 * token it issued and answers like FCM (UNREGISTERED, UNAVAILABLE, QUOTA_EXCEEDED).
 */
export class FakeFcm extends FakeProvider {
  readonly projectId = 'heyblue-test';
  readonly clientEmail = 'push@heyblue-test.iam.gserviceaccount.com';
  private readonly issued = new Set<string>();
  tokensIssued = 0;
  private server!: Server;
  private publicKey!: CryptoKey;
  private privatePem!: string;
  url = '';

  static async start(): Promise<FakeFcm> {
    const fake = new FakeFcm();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    fake.publicKey = publicKey;
    fake.privatePem = await exportPKCS8(privateKey);
    fake.server = createServer((req, res) => {
      void fake.handle(req, res);
    });
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The service account key file the server is configured with (FCM_SERVICE_ACCOUNT_JSON). */
  serviceAccountJson(): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: this.projectId,
      private_key_id: 'test-key-1',
      private_key: this.privatePem,
      client_email: this.clientEmail,
      token_uri: `${this.url}/token`,
    });
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
    const body = await readBody(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'POST' && req.url === '/token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return json(400, { error: 'unsupported_grant_type' });
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', this.publicKey, {
          algorithms: ['RS256'],
          issuer: this.clientEmail,
          audience: `${this.url}/token`,
        });
        if (!String(payload.scope ?? '').includes('https://www.googleapis.com/auth/firebase.messaging'))
          return json(400, { error: 'invalid_scope' });
      } catch (err) {
        return json(400, { error: 'invalid_grant', error_description: (err as Error).message });
      }
      const token = `ya29.${randomBytes(24).toString('base64url')}`;
      this.issued.add(token);
      this.tokensIssued += 1;
      return json(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
    if (req.method === 'POST' && send) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !this.issued.has(bearer))
        return json(401, {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
          },
        });
      if (send[1] !== this.projectId)
        return json(403, { error: { code: 403, message: 'SenderId mismatch', status: 'PERMISSION_DENIED' } });
      let message: {
        token?: string;
        notification?: { title?: string; body?: string };
        data?: Record<string, unknown>;
      };
      try {
        message = (JSON.parse(body) as { message: typeof message }).message;
      } catch {
        return json(400, {
          error: { code: 400, message: 'Invalid JSON payload', status: 'INVALID_ARGUMENT' },
        });
      }
      if (!message?.token || Object.values(message.data ?? {}).some((v) => typeof v !== 'string'))
        return json(400, { error: { code: 400, message: 'Invalid message', status: 'INVALID_ARGUMENT' } });
      const answer = this.next(message.token);
      const fcmError = (code: number, status: string, errorCode: string) =>
        json(code, {
          error: {
            code,
            message: status,
            status,
            details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }],
          },
        });
      if (answer === 'invalid') return fcmError(404, 'NOT_FOUND', 'UNREGISTERED');
      if (answer === 429) return fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED');
      if (answer !== 'ok') return fcmError(answer, 'UNAVAILABLE', 'UNAVAILABLE');
      this.received.push({
        platform: 'fcm',
        token: message.token,
        at: Date.now(),
        title: message.notification?.title ?? '',
        body: message.notification?.body ?? '',
        data: (message.data ?? {}) as Record<string, string>,
        raw: body,
      });
      return json(200, { name: `projects/${this.projectId}/messages/${randomUUID()}` });
    }
    json(404, { error: { code: 404, status: 'NOT_FOUND' } });
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/**
 * APNs as Apple's provider API speaks it: HTTP/2 over TLS (a self-signed certificate the server
 * trusts through APNS_CA_CERT), `POST /3/device/{token}` with an ES256 provider JWT (key id in the
 * header, team id as issuer, issued within the hour) checked against the key's public half, and
 * Apple's answers: 200 with apns-id, 400 BadDeviceToken, 403 InvalidProviderToken, 410 Unregistered,
 * 429 TooManyRequests, 503 ServiceUnavailable.
 */
export class FakeApns extends FakeProvider {
  readonly keyId = 'ABC123DEFG';
  readonly teamId = 'TEAM123456';
  readonly topic = 'com.heyblue.app';
  url = '';
  certPem = '';
  keyPem = '';
  refusedJwts = 0;
  private server!: Http2SecureServer;
  private publicKey!: CryptoKey;
  private dir = '';

  static async start(): Promise<FakeApns> {
    const fake = new FakeApns();
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    fake.publicKey = await importSPKI(await exportSPKI(publicKey), 'ES256');
    fake.keyPem = await exportPKCS8(privateKey);
    fake.dir = mkdtempSync(join(tmpdir(), 'fake-apns-'));
    const [keyFile, certFile] = [join(fake.dir, 'key.pem'), join(fake.dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    fake.certPem = readFileSync(certFile, 'utf8');
    fake.server = createSecureServer({ key: readFileSync(keyFile), cert: fake.certPem });
    fake.server.on('stream', (stream, headers) => void fake.handle(stream, headers));
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
    fake.url = `https://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  private async handle(
    stream: import('node:http2').ServerHttp2Stream,
    headers: import('node:http2').IncomingHttpHeaders,
  ) {
    const body = await readBody(stream);
    const answer = (status: number, reason?: string) => {
      stream.respond({
        [constants.HTTP2_HEADER_STATUS]: status,
        'apns-id': String(headers['apns-id'] ?? randomUUID()),
        ...(reason ? { 'content-type': 'application/json' } : {}),
      });
      stream.end(
        reason ? JSON.stringify({ reason, ...(status === 410 ? { timestamp: Date.now() } : {}) }) : undefined,
      );
    };
    const path = /^\/3\/device\/([^/?]+)$/.exec(String(headers[constants.HTTP2_HEADER_PATH] ?? ''));
    if (headers[constants.HTTP2_HEADER_METHOD] !== 'POST' || !path) return answer(404, 'BadPath');
    const jwt = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    try {
      if (!jwt || decodeProtectedHeader(jwt).kid !== this.keyId) throw new Error('kid');
      await jwtVerify(jwt, this.publicKey, { algorithms: ['ES256'], issuer: this.teamId, maxTokenAge: '1h' });
    } catch {
      this.refusedJwts += 1;
      return answer(403, 'InvalidProviderToken');
    }
    if (headers['apns-topic'] !== this.topic) return answer(400, 'DeviceTokenNotForTopic');
    if (headers['apns-push-type'] !== 'alert') return answer(400, 'InvalidPushType');
    const token = decodeURIComponent(path[1]!);
    if (!/^[0-9a-f]{64,200}$/i.test(token)) return answer(400, 'BadDeviceToken');
    const scripted = this.next(token);
    if (scripted === 'invalid') return answer(410, 'Unregistered');
    if (scripted === 429) return answer(429, 'TooManyRequests');
    if (scripted !== 'ok')
      return answer(scripted, scripted === 500 ? 'InternalServerError' : 'ServiceUnavailable');
    let payload: { aps?: { alert?: { title?: string; body?: string } } } & Record<string, unknown>;
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return answer(400, 'PayloadEmpty');
    }
    const { aps, ...data } = payload;
    this.received.push({
      platform: 'apns',
      token,
      at: Date.now(),
      title: aps?.alert?.title ?? '',
      body: aps?.alert?.body ?? '',
      data: data as Record<string, string>,
      raw: body,
    });
    answer(200);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The server's configuration for both fakes (providers on, small backoff). */
export function pushEnv(fcm: FakeFcm, apns: FakeApns): Record<string, string> {
  return {
    PUSH_ADAPTER: 'providers',
    FCM_PROJECT_ID: fcm.projectId,
    FCM_SERVICE_ACCOUNT_JSON: fcm.serviceAccountJson(),
    FCM_BASE_URL: fcm.url,
    APNS_KEY: apns.keyPem,
    APNS_KEY_ID: apns.keyId,
    APNS_TEAM_ID: apns.teamId,
    APNS_TOPIC: apns.topic,
    APNS_BASE_URL: apns.url,
    APNS_CA_CERT: apns.certPem,
  };
}

import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwilioRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  form: Record<string, string>;
}

/**
 * A local stand-in for Twilio Verify v2: `POST /v2/Services/:sid/Verifications` and
 * `/VerificationCheck` (form-encoded, HTTP Basic auth), answering like Twilio does.
 * `mode` injects outages: `down` answers 503, `hang` never answers.
 */
export class FakeTwilio {
  mode: 'ok' | 'down' | 'hang' = 'ok';
  readonly requests: TwilioRequest[] = [];
  /** Numbers Twilio refuses, with the status and Twilio error code to answer. */
  readonly refuse = new Map<string, { status: number; code: number }>();
  /** Pending code per phone number. */
  readonly codes = new Map<string, string>();
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    const path = new URL(req.url!, 'http://x').pathname;
    this.requests.push({ method: req.method!, path, authorization: req.headers.authorization, form });
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (this.mode === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (this.mode === 'down') return send(503, { code: 20503, message: 'Service Unavailable', status: 503 });
    const m = /^\/v2\/Services\/(VA[0-9a-f]{32})\/(Verifications|VerificationCheck)$/.exec(path);
    if (!m || req.method !== 'POST')
      return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const [, serviceSid, kind] = m;
    const to = form.To ?? '';
    if (kind === 'Verifications') {
      const refused = this.refuse.get(to);
      if (refused)
        return send(refused.status, { code: refused.code, message: 'refused', status: refused.status });
      if (!/^\+[1-9]\d{7,14}$/.test(to))
        return send(400, { code: 60200, message: 'Invalid parameter `To`', status: 400 });
      this.codes.set(to, String(randomInt(0, 1_000_000)).padStart(6, '0'));
      return send(201, {
        sid: 'VE' + '0'.repeat(32),
        service_sid: serviceSid,
        to,
        channel: form.Channel,
        status: 'pending',
        valid: false,
      });
    }
    const expected = this.codes.get(to);
    if (!expected)
      return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const approved = form.Code === expected;
    if (approved) this.codes.delete(to);
    return send(200, {
      sid: 'VE' + '0'.repeat(32),
      service_sid: serviceSid,
      to,
      channel: 'sms',
      status: approved ? 'approved' : 'pending',
      valid: approved,
    });
  }
}

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * One local HTTP server standing in for Mastodon, X, Facebook Graph and a webhook receiver.
 * It checks each platform's auth header like the real API would (401 otherwise) and can be
 * told to fail the next N calls of a path with a status, or to keep failing.
 */
export class FakePlatforms {
  readonly requests: RecordedRequest[] = [];
  private readonly failures = new Map<string, { status: number; remaining: number }>();
  private server!: Server;
  url = '';

  static readonly tokens = { mastodon: 'masto-token', x: 'x-token', facebook: 'fb-page-token' };

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '';
        this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
        const fail = [...this.failures].find(([prefix]) => path.startsWith(prefix));
        if (fail && fail[1].remaining !== 0) {
          fail[1].remaining--;
          res
            .writeHead(fail[1].status, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: 'injected' }));
          return;
        }
        const json = (status: number, value: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        const auth = req.headers.authorization;
        if (path === '/mastodon/api/v1/statuses') {
          if (auth !== `Bearer ${FakePlatforms.tokens.mastodon}`)
            return json(401, { error: 'The access token is invalid' });
          return json(200, { id: `m-${this.requests.length}`, content: JSON.parse(body).status });
        }
        if (path === '/x/2/tweets') {
          if (auth !== `Bearer ${FakePlatforms.tokens.x}`) return json(401, { title: 'Unauthorized' });
          return json(201, { data: { id: `x-${this.requests.length}`, text: JSON.parse(body).text } });
        }
        if (path === '/fb/4242/feed') {
          if (auth !== `Bearer ${FakePlatforms.tokens.facebook}`)
            return json(400, { error: { type: 'OAuthException' } });
          return json(200, { id: `4242_${this.requests.length}` });
        }
        if (path === '/hook') return json(200, { ok: true });
        return json(404, { error: 'no such route' });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Fails the next `times` calls whose path starts with `prefix` (-1: until cleared). */
  fail(prefix: string, status: number, times: number): void {
    this.failures.set(prefix, { status, remaining: times });
  }

  clear(prefix: string): void {
    this.failures.delete(prefix);
  }

  to(prefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

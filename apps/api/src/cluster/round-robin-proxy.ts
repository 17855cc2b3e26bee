import http from 'node:http';
import net from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

/** Where one websocket upgrade went (the request URL carries socket.io's handshake query). */
export interface UpgradeRoute {
  url: string;
  target: Upstream;
}

/**
 * A small local round-robin load balancer for HTTP and websockets: the stand-in for a
 * Kubernetes Service in front of N API instances. socket.io runs websocket-only here, so no
 * sticky sessions are needed: each upgrade is one long TCP stream to one instance.
 *
 * An instance that refuses connections is skipped (marked down for `downForMs`, like an
 * endpoint removed after a failed probe); a bodiless HTTP request and a websocket upgrade
 * are retried on the next instance, a request whose body was already streamed answers 502.
 */
export class RoundRobinProxy {
  private server?: http.Server;
  private readonly downUntil = new Map<string, number>();
  private readonly openSockets = new Set<net.Socket>();
  private httpTurn = 0;
  private wsTurn = 0;
  /** Every websocket upgrade and the instance it went to, oldest first. */
  readonly upgrades: UpgradeRoute[] = [];
  port = 0;

  constructor(
    private targets: Upstream[],
    private readonly downForMs = 1_000,
  ) {}

  setTargets(targets: Upstream[]): void {
    this.targets = targets;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => this.forward(req, res, 0));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      this.upgrade(req, socket, head, 0),
    );
    this.server.on('connection', (s: net.Socket) => this.track(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return `http://${host}:${this.port}`;
  }

  /** Stops listening and drops every proxied connection. */
  async close(): Promise<void> {
    for (const s of this.openSockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private track(s: net.Socket): void {
    this.openSockets.add(s);
    s.on('close', () => this.openSockets.delete(s));
  }

  /** The next instance in turn that is not marked down (or the next one at all when every instance is). */
  private pick(kind: 'http' | 'ws'): Upstream | undefined {
    const n = this.targets.length;
    if (n === 0) return undefined;
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const turn = kind === 'http' ? this.httpTurn++ : this.wsTurn++;
      const t = this.targets[turn % n]!;
      if ((this.downUntil.get(key(t)) ?? 0) <= now) return t;
    }
    const turn = kind === 'http' ? this.httpTurn++ : this.wsTurn++;
    return this.targets[turn % n];
  }

  private markDown(t: Upstream): void {
    this.downUntil.set(key(t), Date.now() + this.downForMs);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, attempt: number): void {
    const target = this.pick('http');
    if (!target) return badGateway(res);
    const headers = { ...req.headers, 'x-forwarded-for': forwardedFor(req) };
    const upstream = http.request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers))
          if (v !== undefined && k !== 'connection' && k !== 'keep-alive') out[k] = v;
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
      },
    );
    const bodiless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (isRefused(err)) this.markDown(target);
      if (res.headersSent) return void res.destroy();
      if (isRefused(err) && bodiless && attempt + 1 < this.targets.length)
        return this.forward(req, res, attempt + 1);
      badGateway(res);
    });
    res.on('close', () => upstream.destroy());
    if (bodiless) upstream.end();
    else req.pipe(upstream);
  }

  private upgrade(req: http.IncomingMessage, client: net.Socket, head: Buffer, attempt: number): void {
    const target = this.pick('ws');
    if (!target) return void client.destroy();
    const upstream = net.connect(target.port, target.host);
    client.on('error', () => upstream.destroy());
    upstream.once('connect', () => {
      this.track(upstream);
      this.upgrades.push({ url: req.url ?? '/', target });
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (name.toLowerCase() !== 'x-forwarded-for') lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`X-Forwarded-For: ${forwardedFor(req)}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (isRefused(err)) {
        this.markDown(target);
        if (attempt + 1 < this.targets.length && !client.destroyed)
          return this.upgrade(req, client, head, attempt + 1);
      }
      client.destroy();
    });
  }
}

const key = (t: Upstream): string => `${t.host}:${t.port}`;
const isRefused = (err: NodeJS.ErrnoException): boolean => err.code === 'ECONNREFUSED';

function forwardedFor(req: http.IncomingMessage): string {
  const prior = req.headers['x-forwarded-for'];
  const remote = req.socket.remoteAddress ?? '';
  return prior ? `${[prior].flat().join(', ')}, ${remote}` : remote;
}

function badGateway(res: http.ServerResponse): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({
    type: 'about:blank',
    title: 'Bad Gateway',
    status: 502,
    code: 'BAD_GATEWAY',
    detail: 'No API instance answered.',
  });
  res.writeHead(502, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

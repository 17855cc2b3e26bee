import net from 'node:net';

/**
 * A TCP fault proxy for tests (toxiproxy is not available here): forwards to a target and
 * can cut (reset every connection and refuse new ones) and restore, reset the open
 * connections once (a network blip: new ones are accepted), and add latency to every
 * chunk in both directions (order kept).
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private cutOff = false;
  private delayMs = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      if (this.cutOff) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
    return this;
  }

  /** Copies `from` to `to`, each chunk held back by the latency in force when it arrived. */
  private forward(from: net.Socket, to: net.Socket): void {
    let lastDue = 0;
    from.on('data', (chunk: Buffer) => {
      const due = Math.max(Date.now() + this.delayMs, lastDue);
      lastDue = due;
      const wait = due - Date.now();
      if (wait <= 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!to.destroyed) to.write(chunk);
      }, wait);
      this.timers.add(timer);
    });
    from.on('end', () => {
      // Half-close after what is still held back has been written.
      const wait = Math.max(0, lastDue - Date.now());
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!to.destroyed) to.end();
      }, wait);
      this.timers.add(timer);
    });
  }

  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void {
    this.cutOff = true;
    this.reset();
  }

  restore(): void {
    this.cutOff = false;
  }

  /**
   * Drops every open connection once (a network blip); new connections are still accepted.
   * (Plain destroy: socket.resetAndDestroy() left a handle that kept Jest from exiting.)
   */
  reset(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Adds `ms` of latency to every chunk in both directions from now on (0 turns it off). */
  delay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  /** Open client and upstream sockets (two per proxied connection). */
  get openSockets(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    this.cut();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { RoundRobinProxy } from './round-robin-proxy.js';

export interface ClusterOptions {
  instances: number;
  /** Environment of every instance, on top of this process's (DATABASE_URL, REDIS_URL, ...). */
  env?: Record<string, string>;
  /** The proxy's port (0: any free port). */
  proxyPort?: number;
  /** Instance i listens on basePort + i; 0 (default): each on any free port. */
  basePort?: number;
  /** Every output line of every instance (e.g. to print it with a prefix). */
  onLine?: (instance: number, stream: 'stdout' | 'stderr', line: string) => void;
  /** How long an instance may take to listen (compiling from source on a busy machine takes seconds). */
  startTimeoutMs?: number;
  /** Another entry point for the instances (default: instance.ts/.js beside this file), e.g. a test's wrapper around it. */
  entry?: string;
}

export interface ClusterInstance {
  index: number;
  port: number;
  url: string;
  child: ChildProcess;
  /** The last output lines, for error messages. */
  tail: string[];
}

const HOST = '127.0.0.1';

/** How to run instance.ts/.js as this file runs: compiled from dist, or from source through swc. */
function instanceCommand(
  entry = fileURLToPath(import.meta.url).replace(/cluster\.(ts|js)$/, 'instance.$1'),
): string[] {
  // Each instance gets the heap budget the cluster was started with (npm run start:cluster).
  const heap = process.execArgv.filter((a) => a.startsWith('--max-old-space-size='));
  return entry.endsWith('.ts')
    ? [...heap, '--import', '@swc-node/register/esm-register', entry]
    : [...heap, entry];
}

/**
 * N API processes on one PostgreSQL and Redis behind a round-robin proxy for HTTP and
 * websockets: the local stand-in for a Kubernetes Deployment and its Service.
 */
export class LocalCluster {
  readonly instances: Array<ClusterInstance | undefined> = [];
  readonly proxy = new RoundRobinProxy([]);
  url = '';

  private constructor(private readonly options: ClusterOptions) {}

  static async start(options: ClusterOptions): Promise<LocalCluster> {
    const cluster = new LocalCluster(options);
    cluster.url = await cluster.proxy.listen(options.proxyPort ?? 0);
    // The proxy is the cluster's public address (sign-in redirects, the dev provider's issuer).
    options.env = { PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL || cluster.url, ...options.env };
    try {
      // All at once, as a rollout would: their migrations contend for one advisory lock.
      await Promise.all(Array.from({ length: options.instances }, (_, i) => cluster.spawn(i)));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts instance `index` (again) and puts it behind the proxy once it listens. */
  async spawn(index: number): Promise<ClusterInstance> {
    const base = this.options.basePort ?? 0;
    const port = base > 0 ? base + index : 0;
    const child = spawn(process.execPath, instanceCommand(this.options.entry), {
      env: { ...process.env, NODE_OPTIONS: '', ...this.options.env, PORT: String(port), HOST },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    let listening: ((port: number) => void) | undefined;
    const started = new Promise<number>((resolve) => (listening = resolve));
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream]!.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          tail.push(line);
          if (tail.length > 40) tail.shift();
          const m = /^listening https?:\/\/[^\s]*:(\d+)/.exec(line);
          if (m) listening?.(Number(m[1]));
          this.options.onLine?.(index, stream, line);
        }
      });
    }
    const exited = once(child, 'exit').then(([code, signal]) => {
      throw new Error(`instance ${index} exited (${signal ?? code}) before listening:\n${tail.join('\n')}`);
    });
    const timeoutMs = this.options.startTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`instance ${index} did not listen within ${timeoutMs} ms:\n${tail.join('\n')}`)),
        timeoutMs,
      );
    });
    try {
      const actual = await Promise.race([started, exited, timeout]);
      const instance: ClusterInstance = { index, port: actual, url: `http://${HOST}:${actual}`, child, tail };
      this.instances[index] = instance;
      this.route();
      return instance;
    } catch (err) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
      exited.catch(() => undefined);
    }
  }

  /** Kills instance `index` (SIGKILL by default: no shutdown hooks run) and waits for it to exit. */
  async kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const instance = this.instances[index];
    if (!instance) return;
    const { child } = instance;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    }
    // The proxy would find out by itself (refused connections); a restart gets a new port.
    this.instances[index] = undefined;
    this.route();
  }

  /** Which instance a proxied websocket went to, by a marker in its handshake URL (e.g. a query parameter). */
  instanceOfUpgrade(marker: string): number | undefined {
    const route = [...this.proxy.upgrades].reverse().find((u) => u.url.includes(marker));
    return route ? this.instances.findIndex((i) => i?.port === route.target.port) : undefined;
  }

  /** Stops the proxy, then every instance gracefully (SIGTERM; SIGKILL after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    await this.proxy.close();
    await Promise.all(
      this.instances.map(async (instance, i) => {
        if (!instance) return;
        const { child } = instance;
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        this.instances[i] = undefined;
      }),
    );
  }

  private route(): void {
    this.proxy.setTargets(
      this.instances
        .filter((i): i is ClusterInstance => Boolean(i))
        .map((i) => ({ host: HOST, port: i.port })),
    );
  }
}

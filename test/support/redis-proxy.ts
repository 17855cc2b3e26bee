import { REDIS_URL } from './databases.js';
import { TcpProxy } from './tcp-proxy.js';
import { clusterModeNodes } from './test-env.js';

/**
 * Fault proxies in front of the Redis this test file runs on: one TcpProxy in front of the one
 * Redis, or one per node in front of a Redis Cluster (the app reaches the nodes the cluster
 * announces through REDIS_CLUSTER_NAT_MAP, so redirections and failovers go through the proxies
 * too). `env` points an app at them; cut, restore and delay act on every proxy.
 */
export class RedisProxy {
  private constructor(
    private readonly proxies: TcpProxy[],
    /** Environment overrides that send an app's Redis traffic through the proxies. */
    readonly env: Record<string, string>,
  ) {}

  static async start(): Promise<RedisProxy> {
    const cluster = clusterModeNodes();
    if (!cluster) {
      const url = new URL(REDIS_URL);
      const proxy = await new TcpProxy(url.hostname, Number(url.port || 6379)).start();
      return new RedisProxy([proxy], { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    }
    const nodes = cluster.split(',');
    const proxies = await Promise.all(
      nodes.map((n) => {
        const i = n.lastIndexOf(':');
        return new TcpProxy(n.slice(0, i), Number(n.slice(i + 1))).start();
      }),
    );
    return new RedisProxy(proxies, {
      REDIS_CLUSTER_NODES: proxies.map((p) => `127.0.0.1:${p.port}`).join(','),
      REDIS_CLUSTER_NAT_MAP: nodes.map((n, i) => `${n}=127.0.0.1:${proxies[i]!.port}`).join(','),
    });
  }

  /** The proxies' own ports (what an app is given instead of the real ones). */
  get ports(): number[] {
    return this.proxies.map((p) => p.port);
  }

  cut(): void {
    this.proxies.forEach((p) => p.cut());
  }

  restore(): void {
    this.proxies.forEach((p) => p.restore());
  }

  delay(ms: number): void {
    this.proxies.forEach((p) => p.delay(ms));
  }

  async stop(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.stop()));
  }
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A local Redis Cluster of the machine's own `redis-server` (3 masters + 3 replicas), for tests
 * that run the app in cluster mode. Its nodes are daemons (they must outlive Jest's global setup
 * process); each run keeps its pid files in a directory of its own, and every start first stops
 * the nodes of runs whose owner died (a killed Jest run leaves no cluster behind for long).
 */
export interface LocalRedisCluster {
  /** `host:port,...` of every node (REDIS_CLUSTER_NODES). */
  nodes: string;
  ports: number[];
  dir: string;
  /** The ports of the current masters (they change with failovers). */
  masters(): number[];
  /** The port of the master serving `key`'s hash slot now. */
  masterOf(key: string): number;
  /** SIGKILLs one node (a crashed master). */
  kill(port: number): void;
  /** The cluster's view from a surviving node: `cluster_state:ok` and every slot served. */
  healthy(port: number): boolean;
  stop(): void;
}

const ROOT = join(tmpdir(), 'heyblue-test-redis-cluster');
const HOST = '127.0.0.1';

function cli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-h', HOST, '-p', String(port), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killPidFiles(dir: string): void {
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
    if (pid > 0 && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Stops the nodes of every earlier run whose Jest process is gone. */
function reapOrphans(): void {
  if (!existsSync(ROOT)) return;
  for (const run of readdirSync(ROOT)) {
    const dir = join(ROOT, run);
    const owner = Number(run.split('-')[0]);
    if (owner > 0 && alive(owner) && owner !== process.pid) continue;
    killPidFiles(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** `count` ports from `base` on whose node port and cluster bus port (+10000) are both free. */
async function freePorts(base: number, count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let p = base; p < base + 100 && ports.length < count; p++) {
    if ((await portFree(p)) && (await portFree(p + 10_000))) ports.push(p);
  }
  if (ports.length < count) throw new Error(`no ${count} free ports for a Redis Cluster from ${base}`);
  return ports;
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts six nodes on free ports from `basePort` (TEST_REDIS_CLUSTER_BASE_PORT, default 7600) and
 * joins them into a cluster. `nodeTimeoutMs` is how long a master may be unreachable before its
 * replica is promoted.
 */
export async function startRedisCluster(
  options: { basePort?: number; nodeTimeoutMs?: number } = {},
): Promise<LocalRedisCluster> {
  reapOrphans();
  const basePort = options.basePort ?? Number(process.env.TEST_REDIS_CLUSTER_BASE_PORT ?? 7600);
  const ports = await freePorts(basePort, 6);
  const dir = join(ROOT, `${process.pid}-${ports[0]}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  const stop = () => {
    killPidFiles(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const conf = [
        `port ${port}`,
        `bind ${HOST}`,
        'cluster-enabled yes',
        `cluster-config-file ${join(dir, `nodes-${port}.conf`)}`,
        `cluster-node-timeout ${options.nodeTimeoutMs ?? 3_000}`,
        'save ""',
        'appendonly no',
        'daemonize yes',
        `pidfile ${join(dir, `${port}.pid`)}`,
        `logfile ${join(dir, `${port}.log`)}`,
        `dir ${dir}`,
        `dbfilename dump-${port}.rdb`,
      ].join('\n');
      writeFileSync(join(dir, `${port}.conf`), `${conf}\n`);
      const r = spawnSync('redis-server', [join(dir, `${port}.conf`)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`redis-server on ${port} failed: ${r.stderr}`);
    }
    await until('the nodes to answer', () => ports.every((p) => cli(p, 'ping').trim() === 'PONG'));
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `${HOST}:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const healthy = (port: number) =>
      /cluster_state:ok/.test(cli(port, 'cluster', 'info')) &&
      /cluster_slots_ok:16384/.test(cli(port, 'cluster', 'info'));
    await until('cluster_state:ok on every node', () => ports.every(healthy));
    // Replicas must have synced before a master may be killed and they take over.
    await until('every replica in sync', () =>
      ports
        .filter((p) => /role:slave/.test(cli(p, 'info', 'replication')))
        .every((p) => /master_link_status:up/.test(cli(p, 'info', 'replication'))),
    );
    const cluster: LocalRedisCluster = {
      nodes: ports.map((p) => `${HOST}:${p}`).join(','),
      ports,
      dir,
      masters: () => ports.filter((p) => /role:master/.test(cli(p, 'info', 'replication'))),
      masterOf: (key) => {
        const from = ports.find((p) => cli(p, 'ping').trim() === 'PONG')!;
        const slot = Number(cli(from, 'cluster', 'keyslot', key).trim());
        // `cluster nodes`: <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...>
        for (const line of cli(from, 'cluster', 'nodes').split('\n')) {
          const [, address, flags, , , , , , ...ranges] = line.trim().split(' ');
          if (!flags?.split(',').includes('master') || flags.includes('fail')) continue;
          for (const range of ranges) {
            const [lo, hi = lo] = range.split('-').map(Number);
            if (slot >= lo! && slot <= hi!) return Number(address!.split('@')[0]!.split(':')[1]);
          }
        }
        throw new Error(`no master serves slot ${slot} of ${key}`);
      },
      kill: (port) => {
        const pid = Number(readFileSync(join(dir, `${port}.pid`), 'utf8').trim());
        process.kill(pid, 'SIGKILL');
      },
      healthy,
      stop,
    };
    return cluster;
  } catch (err) {
    stop();
    throw err;
  }
}

/** Stops the cluster a run started, from another process (global teardown) that knows only its directory. */
export function stopRedisClusterAt(dir: string): void {
  if (!dir.startsWith(ROOT) || !existsSync(dir)) return;
  killPidFiles(dir);
  rmSync(dir, { recursive: true, force: true });
}

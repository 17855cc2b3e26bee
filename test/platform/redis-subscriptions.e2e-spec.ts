import { clusterSettings, closeRedis, createCluster, createRedis, type RedisClient } from '@heyblue/platform';
import { clusterModeNodes } from '../support/test-env.js';
import { eventually } from '../support/poll.js';

/**
 * Subscriptions made while a subscriber connection is still connecting (bull's shared subscriber:
 * every queue subscribes its own channels as it starts). ioredis 5 sends CLIENT SETNAME/SETINFO
 * before its ready check, and a SUBSCRIBE issued in that window is written at once (it may run
 * while Redis loads), so the connection is in subscriber mode when the ready check's INFO goes
 * out: "Connection in subscriber mode, only subscriber commands may be used", the queued
 * subscriptions are rejected with it (redis/ioredis#2037). A Cluster's subscriber connection
 * always runs that ready check. The clients of createRedis/createCluster send one subscription
 * at a time, so none is ever written before the connection is ready.
 * Runs on the one Redis (e2e project) and on the Redis Cluster (cluster project).
 */
describe('Redis subscriptions while the subscriber connects', () => {
  const nodes = clusterModeNodes();
  const prefix = `subs-${process.pid}-${Date.now()}`;
  const clients: RedisClient[] = [];

  function client(name: string): RedisClient {
    const c = nodes
      ? createCluster(clusterSettings({ REDIS_CLUSTER_NODES: nodes, REDIS_CLUSTER_TLS: false })!, {}, name)
      : createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {}, name);
    clients.push(c);
    return c;
  }

  afterAll(async () => {
    await Promise.all(clients.map((c) => closeRedis(c)));
  });

  it('every subscription spread over the connection handshake succeeds and receives its messages', async () => {
    const publisher = client('subs-pub');
    const errors: string[] = [];
    for (let round = 0; round < 5; round++) {
      const sub = client(`subs-${round}`);
      sub.on('error', (err: Error) => errors.push(err.message));
      const received = new Set<string>();
      sub.on('message', (channel: string) => received.add(channel));
      sub.on('pmessage', (_pattern: string, channel: string) => received.add(channel));
      const channels = Array.from({ length: 24 }, (_, i) => `${prefix}:${round}:${i}`);
      // One subscription every millisecond or so, from before the connection opens until after it is ready.
      const results = await Promise.allSettled(
        channels.map(
          (ch, i) =>
            new Promise<unknown>((resolve, reject) => {
              setTimeout(() => {
                const p = i % 3 === 0 ? sub.psubscribe(`${ch}*`) : sub.subscribe(ch);
                p.then(resolve, reject);
              }, i);
            }),
        ),
      );
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      expect(failed).toEqual([]);
      await eventually(
        async () => {
          for (const ch of channels) if (!received.has(ch)) await publisher.publish(ch, 'x');
          return channels.filter((ch) => !received.has(ch));
        },
        (missing) => missing.length === 0,
        { timeoutMs: 10_000, what: `round ${round}: a message on every channel` },
      );
    }
    expect(errors.filter((m) => m.includes('subscriber mode'))).toEqual([]);
  });
});

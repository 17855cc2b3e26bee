import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './redis.service.js';

/**
 * Returns `hold()`: call it before issuing commands on `client`. The first call in a turn of
 * the event loop corks the connection's socket until the loop's check phase (`setImmediate`),
 * so every command issued in that turn (by every request or socket message the poll phase
 * handed over together) leaves in one `writev`; later calls in the same turn do nothing.
 *
 * The same batching as ioredis's `enableAutoPipelining`, without its costs: auto-pipelining
 * builds a Pipeline object per batch and sends one batch at a time (the next waits for the
 * previous one's replies), and under a steady load of single commands it kept objects alive
 * past young-generation collections. Measured on a loop of 1,000 scripted commands per
 * second: 1.3-3.3 MB promoted and 5-24 ms per scavenge with auto-pipelining, 25 KB and 1-2 ms
 * with this; in a closed loop of 500 callers, 115k commands/s against 52k.
 *
 * Commands keep ioredis's behaviour in every other respect (order, replies, timeouts,
 * offline queue, reconnects): only the socket writes are merged. When the connection is not
 * ready (connecting, reconnecting), `hold()` does nothing and ioredis queues as usual.
 * On a Redis Cluster every master's connection is held the same way: a turn's commands leave
 * in one write per node.
 */
export function writeCoalescer(client: RedisClient): () => void {
  if (isCluster(client)) {
    const perNode = new Map<Redis, () => void>();
    return () => {
      if (client.status !== 'ready') return;
      for (const node of client.nodes('master')) {
        let hold = perNode.get(node);
        if (!hold) {
          // Nodes come and go with failovers: forget the ones the cluster dropped.
          if (perNode.size > 64) perNode.clear();
          hold = writeCoalescer(node);
          perNode.set(node, hold);
        }
        hold();
      }
    };
  }
  let held: Redis['stream'] | undefined;
  const release = (): void => {
    const stream = held;
    held = undefined;
    stream?.uncork();
  };
  return () => {
    if (held !== undefined || client.status !== 'ready') return;
    const stream = client.stream;
    if (!stream || !stream.writable) return;
    stream.cork();
    held = stream;
    setImmediate(release);
  };
}

import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { closeRedis, writeCoalescer } from '@heyblue/platform';
import { REDIS_URL, runRedisPrefix } from '../support/databases.js';
import { recordWrites } from '../support/socket-writes.js';

/** The socket writes of a connection: `writev` lists the chunks of each multi-chunk write, `write` counts single ones. */
function countWrites(client: Redis): { writev: number[]; write: number } {
  const { chunks } = recordWrites(client.stream as Socket);
  return {
    get writev() {
      return chunks.filter((n) => n > 1);
    },
    get write() {
      return chunks.filter((n) => n === 1).length;
    },
  };
}

describe('writeCoalescer (real Redis)', () => {
  let client: Redis;
  let key: string;

  beforeEach(async () => {
    client = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    await client.ping();
    // Under the run's prefix: global teardown unlinks what a failed test leaves.
    key = `${runRedisPrefix(process.env.HEYBLUE_TEST_RUN ?? 'heyblue_test_local')}_coalescer:${randomUUID()}`;
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    if (client.status === 'ready') await client.del(key, `${key}:list`);
    await closeRedis(client);
  });

  it('sends the commands of one turn of the event loop in one write, each with its own reply, in order', async () => {
    const hold = writeCoalescer(client);
    const writes = countWrites(client);
    const replies: Array<Promise<number>> = [];
    for (let i = 0; i < 50; i++) {
      hold();
      replies.push(client.incr(key));
    }
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(writes).toEqual({ writev: [50], write: 0 });
  });

  it('starts a new batch in the next turn; without hold() every command is its own write', async () => {
    const hold = writeCoalescer(client);
    const writes = countWrites(client);
    hold();
    const first = [client.incr(key), client.incr(key)];
    await new Promise((r) => setImmediate(r));
    hold();
    const second = [client.incr(key), client.incr(key), client.incr(key)];
    expect(await Promise.all([...first, ...second])).toEqual([1, 2, 3, 4, 5]);
    expect(writes.writev).toEqual([2, 3]);

    const plain = await Promise.all([client.incr(key), client.incr(key), client.incr(key)]);
    expect(plain).toEqual([6, 7, 8]);
    expect(writes.write).toBe(3);
    expect(writes.writev).toEqual([2, 3]);
  });

  it('fails only the command whose reply is an error; the others in the batch succeed', async () => {
    const hold = writeCoalescer(client);
    await client.set(key, 'a string');
    hold();
    const results = await Promise.allSettled([
      client.get(key),
      client.lpush(key, 'x'),
      client.rpush(`${key}:list`, 'y'),
      client.strlen(key),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<string>).value).toBe('a string');
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect((results[2] as PromiseFulfilledResult<number>).value).toBe(1);
    expect((results[3] as PromiseFulfilledResult<number>).value).toBe('a string'.length);
  });

  it('does nothing while the connection is not ready: ioredis queues the commands and answers them once connected', async () => {
    const lazy = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      const hold = writeCoalescer(lazy);
      expect(lazy.status).toBe('wait');
      hold();
      const replies = [lazy.incr(key), lazy.incr(key)];
      expect(await Promise.all(replies)).toEqual([1, 2]);
      // Ready now: the next turn's commands are coalesced.
      const writes = countWrites(lazy);
      hold();
      expect(await Promise.all([lazy.incr(key), lazy.incr(key)])).toEqual([3, 4]);
      expect(writes.writev).toEqual([2]);
    } finally {
      await closeRedis(lazy);
    }
  });

  it('settles every command when the connection drops while held, and coalesces again on the new connection', async () => {
    const hold = writeCoalescer(client);
    const dropped = client.stream;
    hold();
    const during = [client.incr(key), client.incr(key), client.incr(key)];
    dropped.destroy();
    const settled = await Promise.allSettled(during);
    // Resent after the reconnect (ioredis's autoResendUnfulfilledCommands) or rejected: never left hanging.
    expect(settled).toHaveLength(3);
    await client.ping();
    expect(client.stream).not.toBe(dropped);
    const writes = countWrites(client);
    hold();
    const before = Number((await Promise.all([client.get(key), client.get(key)]))[1] ?? 0);
    expect(writes.writev).toEqual([2]);
    expect(before).toBe(settled.filter((s) => s.status === 'fulfilled').length);
  });
});

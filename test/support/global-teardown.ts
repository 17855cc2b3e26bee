import { Redis } from 'ioredis';
import type * as DatabasesModule from './databases.js';
// @ts-expect-error TS2835: Jest loads global teardown through CommonJS without the ESM mapper
import * as databases from './databases';

const { assertTestDatabase, REDIS_URL, runRedisPrefix, withAdmin } = databases as typeof DatabasesModule;

/** Drops every database and Redis key this run created. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.HEYBLUE_TEST_RUN;
  if (!run) return;
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${run}%`],
    );
    for (const { datname } of rows) {
      assertTestDatabase(datname);
      await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${runRedisPrefix(run)}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server that holds the test databases (never the development database). */
export const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Refuses any database whose name does not say it is a test database. */
export function assertTestDatabase(name: string): void {
  if (!/^heyblue_test_[a-z0-9_]+$/.test(name))
    throw new Error(`refusing to touch ${name}: not a test database`);
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const randomId = (bytes = 4): string => randomBytes(bytes).toString('hex');

/** The start of every Redis key a test run writes (global teardown unlinks them all). */
export function runRedisPrefix(run: string): string {
  return run.replace('heyblue_test_', 't');
}

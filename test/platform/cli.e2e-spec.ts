import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { assertTestDatabase, databaseUrl, randomId, withAdmin } from '../support/databases.js';
import { createTestEnv } from '../support/test-env.js';

const run = promisify(execFile);

/**
 * Each CLI run compiles the app from source in a fresh process (seconds on a busy
 * machine); a generous ceiling, not a timing assertion.
 */
const CLI_TEST_TIMEOUT_MS = 240_000;

/** Runs the ops CLI from source, as `npm run cli` runs it from dist. */
function cli(env: Record<string, string>, ...args: string[]) {
  return run(process.execPath, ['--import', '@swc-node/register/esm-register', 'apps/api/src/cli.ts', ...args], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    timeout: 120_000,
  });
}

describe('server boot', () => {
  it('refuses to start with a clear message when configuration is missing or malformed', async () => {
    const failure = await run(process.execPath, ['--import', '@swc-node/register/esm-register', 'apps/api/src/main.ts'], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: '', REDIS_URL: 'http://not-redis', PORT: '0', NODE_ENV: 'production', HEYBLUE_DEV_MODE: 'true' },
      timeout: 120_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toMatch(/DATABASE_URL: DATABASE_URL must be a postgresql:\/\/ URL/);
    expect(stderr).toMatch(/REDIS_URL: REDIS_URL must be a redis:\/\/ URL/);
    expect(stderr).toMatch(/HEYBLUE_DEV_MODE: development mode is refused when NODE_ENV=production/);
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  }, CLI_TEST_TIMEOUT_MS);
});

describe('ops CLI', () => {
  it('db:migrate migrates the database named by DATABASE_URL, once', async () => {
    const name = `${process.env.HEYBLUE_TEST_RUN}_cli${randomId()}`;
    assertTestDatabase(name);
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    try {
      const env = { DATABASE_URL: databaseUrl(name), REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'silent' };
      const first = await cli(env, 'db:migrate');
      expect(first.stdout).toMatch(/migrations: [1-9]\d* applied, 0 already applied/);
      const second = await cli(env, 'db:migrate');
      expect(second.stdout).toMatch(/migrations: 0 applied, [1-9]\d* already applied/);
    } finally {
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
  }, CLI_TEST_TIMEOUT_MS);

  it('lists dead letters and replays one', async () => {
    const te = await createTestEnv();
    const db = new pg.Client({ connectionString: te.databaseUrl });
    await db.connect();
    try {
      const id = randomUUID();
      const eventId = randomUUID();
      const event = { id: eventId, type: 'test.ThingHappened', version: 1, occurredAt: new Date().toISOString(), payload: { n: 1 } };
      await db.query(
        `INSERT INTO platform_dead_letter (id, source, target, event_id, event_type, payload, error, attempts) VALUES ($1, 'event', 'testa.record', $2, 'test.ThingHappened', $3, 'Error: boom\n  at x', 5)`,
        [id, eventId, JSON.stringify(event)],
      );
      const list = await cli(te.env, 'events:dead-letters');
      expect(list.stdout).toContain(id);
      expect(list.stdout).toContain('event:testa.record');
      expect(list.stdout).toContain('pending');
      expect(list.stdout).toContain('Error: boom');

      const replay = await cli(te.env, 'events:replay', id);
      expect(replay.stdout).toContain(`replayed ${id}`);
      const { rows } = await db.query(`SELECT replayed_at, replay_count FROM platform_dead_letter WHERE id = $1`, [id]);
      expect(rows[0].replayed_at).toBeInstanceOf(Date);
      expect(rows[0].replay_count).toBe(1);

      const again = await cli(te.env, 'events:replay', id).catch((e: { code: number; stderr: string }) => e);
      expect(again).toMatchObject({ code: 1 });
      expect((again as { stderr: string }).stderr).toContain('already replayed');
      const pending = await db.query(`SELECT count(*)::int AS n FROM platform_dead_letter WHERE replayed_at IS NULL`);
      expect(pending.rows[0].n).toBe(0);
    } finally {
      await db.end();
      await te.drop();
    }
  }, CLI_TEST_TIMEOUT_MS);
});

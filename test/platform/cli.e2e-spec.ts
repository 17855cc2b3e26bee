import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CLI_TEST_TIMEOUT_MS, runCli } from '../support/cli.js';
import { assertTestDatabase, databaseUrl, randomId, withAdmin } from '../support/databases.js';
import { createTestEnv } from '../support/test-env.js';

describe('server boot', () => {
  it(
    'refuses to start with a clear message when configuration is missing or malformed',
    async () => {
      const res = await runCli(
        {
          DATABASE_URL: '',
          REDIS_URL: 'http://not-redis',
          PORT: '0',
          NODE_ENV: 'production',
          HEYBLUE_DEV_MODE: 'true',
        },
        [],
        'apps/api/src/main.ts',
      );
      expect(res.code).toBe(1);
      expect(res.err).toContain('Invalid configuration');
      expect(res.err).toMatch(/DATABASE_URL: DATABASE_URL must be a postgresql:\/\/ URL/);
      expect(res.err).toMatch(/REDIS_URL: REDIS_URL must be a redis:\/\/ URL/);
      expect(res.err).toMatch(/HEYBLUE_DEV_MODE: development mode is refused when NODE_ENV=production/);
      expect(res.err).not.toMatch(/\n\s+at /); // a message, not a stack trace
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

describe('server boot without keys', () => {
  it(
    'refuses to start outside development mode without its own keys, with NODE_ENV unset',
    async () => {
      const none = {
        IAM_PII_ENCRYPTION_KEY: '',
        IAM_PII_HMAC_KEY: '',
        REPORTING_PSEUDONYM_KEY: '',
        VOUCHER_KEY_ENCRYPTION_KEY: '',
      };
      const res = await runCli(
        {
          ...none,
          DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/never_reached_test',
          REDIS_URL: 'redis://127.0.0.1:6379',
          PORT: '0',
          NODE_ENV: '',
          HEYBLUE_DEV_MODE: '',
        },
        [],
        'apps/api/src/main.ts',
      );
      expect(res.code).toBe(1);
      expect(res.err).toContain('Invalid configuration');
      for (const name of Object.keys(none))
        expect(res.err).toMatch(new RegExp(`${name}: required \\(or ${name}_FILE\\)`));
      expect(res.out).not.toMatch(/listening/i);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

describe('ops CLI', () => {
  it(
    'db:migrate migrates the database named by DATABASE_URL, once',
    async () => {
      const name = `${process.env.HEYBLUE_TEST_RUN}_cli${randomId()}`;
      assertTestDatabase(name);
      await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
      try {
        const env = { DATABASE_URL: databaseUrl(name), REDIS_URL: 'redis://127.0.0.1:6379' };
        const first = await runCli(env, ['db:migrate']);
        expect(first.code).toBe(0);
        expect(first.out).toMatch(/migrations: [1-9]\d* applied, 0 already applied/);
        const second = await runCli(env, ['db:migrate']);
        expect(second.out).toMatch(/migrations: 0 applied, [1-9]\d* already applied/);
      } finally {
        await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'lists dead letters and replays one',
    async () => {
      const te = await createTestEnv();
      const db = new pg.Client({ connectionString: te.databaseUrl });
      await db.connect();
      try {
        const id = randomUUID();
        const eventId = randomUUID();
        const event = {
          id: eventId,
          type: 'test.ThingHappened',
          version: 1,
          occurredAt: new Date().toISOString(),
          payload: { n: 1 },
        };
        await db.query(
          `INSERT INTO platform_dead_letter (id, source, target, event_id, event_type, payload, error, attempts) VALUES ($1, 'event', 'testa.record', $2, 'test.ThingHappened', $3, 'Error: boom\n  at x', 5)`,
          [id, eventId, JSON.stringify(event)],
        );
        const list = await runCli(te.env, ['events:dead-letters']);
        expect(list.code).toBe(0);
        expect(list.out).toContain(id);
        expect(list.out).toContain('event:testa.record');
        expect(list.out).toContain('pending');
        expect(list.out).toContain('Error: boom');

        const replay = await runCli(te.env, ['events:replay', id]);
        expect(replay.out).toContain(`replayed ${id}`);
        const { rows } = await db.query(
          `SELECT replayed_at, replay_count FROM platform_dead_letter WHERE id = $1`,
          [id],
        );
        expect(rows[0].replayed_at).toBeInstanceOf(Date);
        expect(rows[0].replay_count).toBe(1);

        const again = await runCli(te.env, ['events:replay', id]);
        expect(again.code).toBe(1);
        expect(again.err).toContain('already replayed');
        const pending = await db.query(
          `SELECT count(*)::int AS n FROM platform_dead_letter WHERE replayed_at IS NULL`,
        );
        expect(pending.rows[0].n).toBe(0);
      } finally {
        await db.end();
        await te.drop();
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

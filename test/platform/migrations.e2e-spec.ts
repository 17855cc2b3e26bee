import { createHash } from 'node:crypto';
import { cp, mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@heyblue/db';
import { migrate, MigrationChecksumMismatch } from '@heyblue/platform';
import { assertTestDatabase, databaseUrl, randomId, withAdmin } from '../support/databases.js';
import { findDrift, type DataModel } from '../support/drift.js';

const MIGRATIONS = join(process.cwd(), 'prisma', 'migrations');

async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${process.env.HEYBLUE_TEST_RUN}_m${randomId()}`;
  assertTestDatabase(name);
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: databaseUrl(name),
    drop: () =>
      withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

function runtimeDataModel(): DataModel {
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: 'postgresql://unused@127.0.0.1/unused' }),
  });
  return (prisma as unknown as { _runtimeDataModel: DataModel })._runtimeDataModel;
}

describe('migration runner', () => {
  it('applies every migration once and records it as Prisma does', async () => {
    const db = await emptyDatabase();
    try {
      const names = (await readdir(MIGRATIONS, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
      const first = await migrate(db.url, MIGRATIONS);
      expect(first.applied).toEqual(names);
      const second = await migrate(db.url, MIGRATIONS);
      expect(second).toEqual({ applied: [], alreadyApplied: names });

      const rows = await query<{
        id: string;
        checksum: string;
        migration_name: string;
        started_at: Date;
        finished_at: Date;
        applied_steps_count: number;
        rolled_back_at: Date | null;
      }>(db.url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
      expect(rows.map((r) => r.migration_name)).toEqual(names);
      for (const r of rows) {
        const sql = await readFile(join(MIGRATIONS, r.migration_name, 'migration.sql'));
        expect(r.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(r.finished_at.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
        expect(r.applied_steps_count).toBe(1);
        expect(r.rolled_back_at).toBeNull();
      }
    } finally {
      await db.drop();
    }
  });

  it('is safe when several instances migrate at once', async () => {
    const db = await emptyDatabase();
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => migrate(db.url, MIGRATIONS)));
      const appliedCounts = results.map((r) => r.applied.length).sort();
      const total = (await readdir(MIGRATIONS, { withFileTypes: true })).filter((d) =>
        d.isDirectory(),
      ).length;
      expect(appliedCounts).toEqual([0, 0, 0, total]);
      const [{ n }] = await query<{ n: string }>(db.url, `SELECT count(*) AS n FROM "_prisma_migrations"`);
      expect(Number(n)).toBe(total);
    } finally {
      await db.drop();
    }
  });

  describe('with a scratch migrations folder', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'heyblue-migrations-'));
      await cp(MIGRATIONS, dir, { recursive: true });
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('refuses to run when an applied migration was edited', async () => {
      const db = await emptyDatabase();
      try {
        await migrate(db.url, dir);
        const first = (await readdir(dir, { withFileTypes: true })).find((d) => d.isDirectory())!.name;
        await writeFile(
          join(dir, first, 'migration.sql'),
          `${await readFile(join(dir, first, 'migration.sql'), 'utf8')}\n-- edited\n`,
        );
        await mkdir(join(dir, '99990101000000_later'));
        await writeFile(
          join(dir, '99990101000000_later', 'migration.sql'),
          'CREATE TABLE later_table (id int);',
        );
        await expect(migrate(db.url, dir)).rejects.toBeInstanceOf(MigrationChecksumMismatch);
        // Nothing after the mismatch ran.
        expect(
          await query(db.url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'later_table'`),
        ).toHaveLength(0);
      } finally {
        await db.drop();
      }
    });

    it('rolls a failing migration back completely and records nothing for it', async () => {
      const db = await emptyDatabase();
      try {
        await mkdir(join(dir, '99990101000000_broken'));
        await writeFile(
          join(dir, '99990101000000_broken', 'migration.sql'),
          'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;',
        );
        await expect(migrate(db.url, dir)).rejects.toThrow(/99990101000000_broken failed/);
        expect(
          await query(db.url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`),
        ).toHaveLength(0);
        expect(
          await query(
            db.url,
            `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '99990101000000_broken'`,
          ),
        ).toHaveLength(0);
        // The migrations before it were applied and stay applied.
        expect(
          (await query(db.url, `SELECT 1 FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`)).length,
        ).toBeGreaterThan(0);
      } finally {
        await db.drop();
      }
    });
  });
});

describe('schema drift', () => {
  it('the migrated database has every model and field of the generated client', async () => {
    const c = new pg.Client({ connectionString: databaseUrl(process.env.HEYBLUE_TEST_TEMPLATE!) });
    await c.connect();
    try {
      const model = runtimeDataModel();
      expect(Object.keys(model.models).length).toBeGreaterThan(0);
      expect(await findDrift(c, model)).toEqual([]);
    } finally {
      await c.end();
    }
  });

  it('fails when the schema gains a model or field without a migration', async () => {
    const c = new pg.Client({ connectionString: databaseUrl(process.env.HEYBLUE_TEST_TEMPLATE!) });
    await c.connect();
    try {
      const model = structuredClone(runtimeDataModel());
      const outbox = model.models.OutboxEvent!;
      outbox.fields.push({ name: 'priority', kind: 'scalar', type: 'Int', dbName: null });
      outbox.fields.find((f) => f.name === 'type')!.type = 'Int';
      model.models.Unmigrated = {
        dbName: 'unmigrated_table',
        fields: [{ name: 'id', kind: 'scalar', type: 'String' }],
      };
      expect(await findDrift(c, model)).toEqual([
        'column platform_outbox_event.type is text, not compatible with Int',
        'column platform_outbox_event.priority (OutboxEvent.priority) is missing',
        'table unmigrated_table (model Unmigrated) is missing',
      ]);
    } finally {
      await c.end();
    }
  });
});

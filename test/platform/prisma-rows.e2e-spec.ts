import { ConfigService } from '@nestjs/config';
import { PrismaService } from '@heyblue/platform';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

/** PrismaService.rows: hot reads on Prisma's own pool, without Prisma's client runtime. */
describe('PrismaService.rows', () => {
  let env: TestEnv;
  const clients: PrismaService[] = [];

  const client = (statementCache: number) => {
    const prisma = new PrismaService(
      new ConfigService({ DATABASE_URL: env.databaseUrl, DATABASE_STATEMENT_CACHE: statementCache }) as never,
    );
    clients.push(prisma);
    return prisma;
  };

  beforeAll(async () => {
    env = await createTestEnv();
  });

  afterAll(async () => {
    for (const c of clients) await c.$disconnect();
    await env?.drop();
  });

  it('returns typed rows (dates as Date, json parsed, NULL as null) from parameters', async () => {
    const prisma = client(500);
    const rows = await prisma.rows<{
      n: number;
      at: Date;
      doc: { a: number[] };
      nothing: null;
      echo: string;
    }>(
      `SELECT 42 AS n, '2026-11-24T10:00:00Z'::timestamptz AS at, '{"a":[1,2]}'::json AS doc, NULL AS nothing, $1::text AS echo`,
      ['it\'s "quoted"'],
    );
    expect(rows).toEqual([
      {
        n: 42,
        at: new Date('2026-11-24T10:00:00Z'),
        doc: { a: [1, 2] },
        nothing: null,
        echo: 'it\'s "quoted"',
      },
    ]);
  });

  it('runs as a named prepared statement, and unnamed when the statement cache is 0 (behind a transaction-mode pooler)', async () => {
    const sql = 'SELECT name FROM pg_prepared_statements WHERE statement = $1';
    const named = await client(500).rows<{ name: string }>(sql, [
      'SELECT name FROM pg_prepared_statements WHERE statement = $1',
    ]);
    expect(named).toEqual([{ name: expect.stringMatching(/^hb_/) }]);
    const unnamed = await client(0).rows<{ name: string }>(sql, [
      'SELECT name FROM pg_prepared_statements WHERE statement = $1',
    ]);
    expect(unnamed).toEqual([]);
  });

  it('shares the pool with Prisma: a row written through Prisma is read back at once', async () => {
    const prisma = client(500);
    await prisma.$executeRawUnsafe(`CREATE TABLE rows_probe (id int PRIMARY KEY, label text)`);
    await prisma.$executeRaw`INSERT INTO rows_probe VALUES (1, 'written by Prisma')`;
    expect(await prisma.rows('SELECT label FROM rows_probe WHERE id = $1', [1])).toEqual([
      { label: 'written by Prisma' },
    ]);
  });

  it('rejects with the database error for bad SQL, and keeps working afterwards', async () => {
    const prisma = client(500);
    await expect(prisma.rows('SELECT * FROM no_such_table WHERE id = $1', [1])).rejects.toMatchObject({
      code: '42P01',
    });
    expect(await prisma.rows('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
  });
});

import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '@heyblue/db';
import type { Env } from '../config/environment.js';
import { withSpan } from '../telemetry/spans.js';
import { boundedStatementNames } from './statement-names.js';

/** The one Prisma client of the process, on the `pg` driver adapter. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  private readonly logger = new Logger('PrismaService');
  /** The pool under Prisma's adapter (the process's only PostgreSQL connections). */
  private readonly pool: pg.Pool;
  private readonly statementName: (query: { sql: string }) => string;

  constructor(config: ConfigService<Env, true>) {
    const pool = new pg.Pool({
      connectionString: config.get('DATABASE_URL', { infer: true }),
      // Fail fast instead of queueing forever when PostgreSQL is unreachable.
      connectionTimeoutMillis: 5_000,
      max: 20,
    });
    const statementName = boundedStatementNames(config.get('DATABASE_STATEMENT_CACHE', { infer: true }));
    super({
      adapter: new PrismaPg(pool, { statementNameGenerator: statementName, disposeExternalPool: true }),
      // A transaction waits for a pool connection as long as the pool waits for PostgreSQL (5 s),
      // not Prisma's default 2 s: a busy second (event consumers holding connections) then
      // delays a request instead of failing it with 503.
      transactionOptions: { maxWait: 5_000 },
    });
    this.pool = pool;
    this.statementName = statementName;
    // An idle connection that PostgreSQL drops must not crash the process before Prisma has
    // attached its own listener (it does on first use).
    pool.on('error', (err) => this.logger.warn(`idle PostgreSQL connection failed: ${err.message}`));
  }

  /**
   * One statement on the same pool, outside any Prisma transaction (autocommit), without
   * Prisma's client runtime: in bench:rest Prisma's handling of a one-row raw query cost more
   * CPU than node-postgres's. For the hot statements only (the bearer-token lookup on every
   * authenticated request, the profile, balance and offers reads, the one-statement
   * redemption). Named prepared statements as Prisma's (`DATABASE_STATEMENT_CACHE`); errors are
   * node-postgres's (the problem filter maps an unreachable database to 503 either way). Use
   * `$queryRaw` everywhere else.
   */
  async rows<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    const name = this.statementName({ sql: text });
    // Prisma's instrumentation does not see these: a span of our own (the SQL, never the values).
    const result = await withSpan('pg:query', { 'db.system.name': 'postgresql', 'db.query.text': text }, () =>
      this.pool.query<T>(name ? { name, text, values } : { text, values }),
    );
    return result.rows;
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

/** The transaction client handed to `$transaction(async (tx) => ...)` callbacks. */
export type Tx = Parameters<Parameters<PrismaService['$transaction']>[0]>[0];

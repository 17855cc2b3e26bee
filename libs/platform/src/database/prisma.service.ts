import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@heyblue/db';
import type { Env } from '../config/environment.js';
import { boundedStatementNames } from './statement-names.js';

/** The one Prisma client of the process, on the `pg` driver adapter. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(config: ConfigService<Env, true>) {
    super({
      adapter: new PrismaPg(
        {
          connectionString: config.get('DATABASE_URL', { infer: true }),
          // Fail fast instead of queueing forever when PostgreSQL is unreachable.
          connectionTimeoutMillis: 5_000,
          max: 20,
        },
        {
          statementNameGenerator: boundedStatementNames(
            config.get('DATABASE_STATEMENT_CACHE', { infer: true }),
          ),
        },
      ),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

/** The transaction client handed to `$transaction(async (tx) => ...)` callbacks. */
export type Tx = Parameters<Parameters<PrismaService['$transaction']>[0]>[0];

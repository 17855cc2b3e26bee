import 'dotenv/config';
import 'reflect-metadata';
import { Command } from 'commander';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { DeadLetterService, migrate, validateEnvironment } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { AppModule } from './app.module.js';
import { migrationsDir } from './ops/paths.js';
import { runSeeders } from './ops/seed.js';

/** A Nest context for ops commands: no HTTP, no relay, no queue workers. */
async function withContext<T>(fn: (ctx: INestApplicationContext) => Promise<T>): Promise<T> {
  const ctx = await NestFactory.createApplicationContext(
    AppModule.forRoot({ env: { OUTBOX_RELAY_ENABLED: 'false', EVENT_WORKERS_ENABLED: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } }),
    { logger: ['error', 'warn'] },
  );
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

const program = new Command('heyblue').description('Hey Blue! operations CLI');

program
  .command('db:migrate')
  .description('apply pending SQL migrations to DATABASE_URL (safe to run from several instances at once)')
  .action(async () => {
    const env = validateEnvironment(process.env);
    const result = await migrate(env.DATABASE_URL, migrationsDir(), (line) => console.log(line));
    console.log(`migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
  });

program
  .command('db:seed')
  .description('load demo data (idempotent)')
  .action(() => withContext(async (ctx) => console.log(await runSeeders(ctx))));

program
  .command('events:dead-letters')
  .description('list dead letters, newest first')
  .option('--all', 'include replayed ones')
  .option('--limit <n>', 'how many', '50')
  .action((opts: { all?: boolean; limit: string }) =>
    withContext(async (ctx) => {
      const { items } = await ctx.get(DeadLetterService).list({ limit: Number(opts.limit), pendingOnly: !opts.all });
      if (items.length === 0) console.log('no dead letters');
      for (const d of items) {
        console.log(`${d.id}  ${d.failedAt}  ${d.source}:${d.target}  ${d.eventType ?? ''}  attempts=${d.attempts}  ${d.replayedAt ? 'replayed' : 'pending'}  ${d.error}`);
      }
    }),
  );

program
  .command('events:replay <id>')
  .description('send a dead letter through its consumer again')
  .action((id: string) =>
    withContext(async (ctx) => {
      await ctx.get(DeadLetterService).replay(id);
      console.log(`replayed ${id}`);
    }),
  );

program
  .command('retailer:key')
  .description('issue a new X-Retailer-Key for a retailer (printed once; stored hashed)')
  .requiredOption('--retailer <external_id>', 'the retailer\'s external id')
  .action((opts: { retailer: string }) =>
    withContext(async (ctx) => {
      const { key } = await ctx.get(RewardsApi, { strict: false }).issueRetailerKey(opts.retailer);
      console.log(key);
    }),
  );

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}

import 'dotenv/config';
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { DeadLetterService, migrate, validateEnvironment } from '@heyblue/platform';
import { AdminService, DevSessionsService, ROLES, type Role } from '@heyblue/iam';
import { RewardsApi } from '@heyblue/rewards';
import { AppModule } from './app.module.js';
import { migrationsDir } from './ops/paths.js';
import { runSeeders } from './ops/seed.js';

/** A Nest context for ops commands: no HTTP, no relay, no queue workers. */
async function withContext<T>(fn: (ctx: INestApplicationContext) => Promise<T>): Promise<T> {
  const ctx = await NestFactory.createApplicationContext(
    AppModule.forRoot({ env: { OUTBOX_RELAY_ENABLED: 'false', EVENT_WORKERS_ENABLED: 'false', ETL_WORKER_ENABLED: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } }),
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
    const env = validateEnvironment(process.env, { requireKeys: false });
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

program
  .command('vouchers:rotate-key')
  .description('make a new voucher signing key now; it signs after one VOUCHER_KEY_RING_REFRESH_S (old public keys stay published while their vouchers are valid)')
  .action(() =>
    withContext(async (ctx) => {
      const { kid, signsFrom } = await ctx.get(RewardsApi, { strict: false }).rotateVoucherKey();
      console.log(`new voucher signing key ${kid}; it signs from ${signsFrom.toISOString()}`);
    }),
  );

program
  .command('admin:create')
  .description('pre-authorise an admin: applied at that e-mail\'s first sign-in, or at once if the account exists')
  .requiredOption('--email <email>', 'the e-mail the admin signs in with')
  .action((opts: { email: string }) =>
    withContext(async (ctx) => {
      if (!/^[^@\s]+@[^@\s]+$/.test(opts.email)) throw new Error('--email must be an e-mail address');
      const { appliedTo } = await ctx.get(AdminService).preauthorizeAdmin(opts.email);
      console.log(appliedTo.length > 0 ? `admin role applied to ${appliedTo.length} existing account(s)` : 'admin pre-authorised; applied at first sign-in');
    }),
  );

program
  .command('session:issue')
  .description('development mode only: create N verified accounts with sessions (load tests, demo) and write them as JSON')
  .option('--role <role>', ROLES.join(' | '), 'citizen')
  .option('--count <n>', 'how many', '1')
  .requiredOption('--out <file>', 'JSON file to write [{accountId, role, accessToken, refreshToken, ...}]')
  .action((opts: { role: string; count: string; out: string }) => {
    if (!(ROLES as readonly string[]).includes(opts.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    const env = validateEnvironment(process.env);
    if (!env.HEYBLUE_DEV_MODE || env.NODE_ENV === 'production') throw new Error('session:issue works only with HEYBLUE_DEV_MODE=true (never in production)');
    return withContext(async (ctx) => {
      const sessions = await ctx.get(DevSessionsService).issue(opts.role as Role, Number(opts.count));
      await writeFile(opts.out, JSON.stringify(sessions, null, 2));
      console.log(`${sessions.length} ${opts.role} session(s) written to ${opts.out}`);
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}

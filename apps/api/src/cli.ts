import 'dotenv/config';
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { Command } from 'commander';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { DeadLetterService, migrate, validateEnvironment } from '@heyblue/platform';
import {
  AdminService,
  AuditTrail,
  DevSessionsService,
  IamApi,
  PiiReencryption,
  ROLES,
  cliActor,
  type AuditEntryView,
  type Role,
} from '@heyblue/iam';
import { RewardsApi } from '@heyblue/rewards';
import { AppModule } from './app.module.js';
import { migrationsDir } from './ops/paths.js';
import { runSeeders } from './ops/seed.js';

/** The OS user running the CLI, as the audit trail names it (`SUDO_USER` when run through sudo). */
function osUser(): string {
  try {
    return process.env.SUDO_USER || userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** Options worth keeping in the trail: names and plain values, never a file's content or a key. */
function auditedOptions(opts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(opts).filter(
      ([k, v]) => k !== 'out' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'),
    ),
  );
}

/** The command being run, for its audit entry. */
let running: { command: string; options: Record<string, unknown>; args: string[] } | null = null;

/**
 * A Nest context for ops commands: no HTTP, no relay, no queue workers. Every command run
 * through it leaves one `cli_command` entry (OS user, command, options, outcome); what the
 * command changes is audited by the use case it calls, with the CLI as its actor.
 */
async function withContext<T>(fn: (ctx: INestApplicationContext) => Promise<T>): Promise<T> {
  const ctx = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      env: {
        OUTBOX_RELAY_ENABLED: 'false',
        EVENT_WORKERS_ENABLED: 'false',
        ETL_WORKER_ENABLED: 'false',
        IAM_PII_REENCRYPT_ENABLED: 'false',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
    }),
    { logger: ['error', 'warn'] },
  );
  let outcome = 'ok';
  try {
    return await fn(ctx);
  } catch (err) {
    outcome = 'failed';
    throw err;
  } finally {
    try {
      if (running) {
        await ctx.get(AuditTrail, { strict: false }).record({
          actor: cliActor(osUser()),
          action: 'cli_command',
          targetId: running.args[0] ?? null,
          detail: { command: running.command, options: running.options, outcome },
        });
      }
    } finally {
      await ctx.close();
    }
  }
}

const program = new Command('heyblue').description('Hey Blue! operations CLI');
program.hook('preAction', (_root, action) => {
  running = { command: action.name(), options: auditedOptions(action.opts()), args: action.args };
});

program
  .command('db:migrate')
  .description('apply pending SQL migrations to DATABASE_URL (safe to run from several instances at once)')
  .action(async () => {
    const env = validateEnvironment(process.env, { requireKeys: false });
    const result = await migrate(env.DATABASE_URL, migrationsDir(), (line) => console.log(line));
    console.log(
      `migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
    // Audited only when it changed something: instances migrate at every start.
    if (result.applied.length > 0) {
      if (running) running.options = { applied: result.applied.length };
      // The migration stands either way; a context that cannot start (keys not configured on a
      // migration-only host) costs the entry, not the run.
      await withContext(async () => undefined).catch((err: Error) =>
        console.warn(`migrations applied but not audited: ${err.message}`),
      );
    }
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
      const { items } = await ctx
        .get(DeadLetterService)
        .list({ limit: Number(opts.limit), pendingOnly: !opts.all });
      if (items.length === 0) console.log('no dead letters');
      for (const d of items) {
        console.log(
          `${d.id}  ${d.failedAt}  ${d.source}:${d.target}  ${d.eventType ?? ''}  attempts=${d.attempts}  ${d.replayedAt ? 'replayed' : 'pending'}  ${d.error}`,
        );
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

/** `--since`: an ISO 8601 instant, or a duration back from now (`90m`, `6h`, `7d`). */
function parseSince(since: string, now = Date.now()): Date {
  const d = /^(\d{1,6})([mhd])$/.exec(since.trim());
  if (d)
    return new Date(now - Number(d[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as 'm' | 'h' | 'd']);
  const at = new Date(since);
  if (!/^\d{4}-\d{2}-\d{2}/.test(since) || Number.isNaN(at.getTime()))
    throw new Error('--since must be an ISO 8601 date/time or a duration like 90m, 6h, 7d');
  return at;
}

const actorOf = (e: AuditEntryView): string =>
  e.actorKind === 'account'
    ? `account:${e.actorId}`
    : e.actorKind === 'system'
      ? 'system'
      : `${e.actorKind}:${e.actorRef ?? ''}`;

program
  .command('audit')
  .description('print the audit trail, newest first')
  .option('--actor <id>', 'an account id, a retailer key id, or the OS user of a CLI command')
  .option('--action <name>', 'one action, e.g. points_adjusted')
  .option('--since <when>', 'ISO 8601 date/time, or a duration back from now: 90m, 6h, 7d')
  .option('--limit <n>', 'how many (1-1000)', '50')
  .option('--json', 'one JSON object per line')
  .action((opts: { actor?: string; action?: string; since?: string; limit: string; json?: boolean }) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new Error('--limit must be a whole number from 1 to 1000');
    const from = opts.since ? parseSince(opts.since) : undefined;
    return withContext(async (ctx) => {
      const iam = ctx.get(IamApi, { strict: false });
      const items: AuditEntryView[] = [];
      let cursor: string | undefined;
      do {
        const page = await iam.listAudit({
          limit: Math.min(200, limit - items.length),
          cursor,
          actor: opts.actor,
          action: opts.action,
          from,
        });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && items.length < limit);
      if (opts.json) {
        for (const e of items) console.log(JSON.stringify(e));
        return;
      }
      if (items.length === 0) console.log('no audit entries');
      for (const e of items) {
        console.log(
          [
            e.at,
            actorOf(e),
            e.action,
            e.targetId ?? '-',
            e.ip ?? '-',
            e.detail ? JSON.stringify(e.detail) : '',
          ]
            .join('  ')
            .trimEnd(),
        );
      }
    });
  });

program
  .command('retailer:key')
  .description('issue a new X-Retailer-Key for a retailer (printed once; stored hashed)')
  .requiredOption('--retailer <external_id>', "the retailer's external id")
  .action((opts: { retailer: string }) =>
    withContext(async (ctx) => {
      const { key } = await ctx.get(RewardsApi, { strict: false }).issueRetailerKey(opts.retailer);
      console.log(key);
    }),
  );

program
  .command('retailer:keys')
  .description("list a retailer's keys, newest first (id, prefix, created, revoked; never the key)")
  .requiredOption('--retailer <external_id>', "the retailer's external id")
  .option('--json', 'one JSON object per line')
  .action((opts: { retailer: string; json?: boolean }) =>
    withContext(async (ctx) => {
      const keys = await ctx.get(RewardsApi, { strict: false }).listRetailerKeys(opts.retailer);
      if (opts.json) {
        for (const k of keys) console.log(JSON.stringify(k));
        return;
      }
      if (keys.length === 0) console.log('no keys');
      for (const k of keys)
        console.log(
          `${k.id}  ${k.prefix}…  created ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}`,
        );
    }),
  );

program
  .command('retailer:key:revoke')
  .description('revoke a retailer key by id: it answers 401 at once on every instance')
  .requiredOption('--key <id>', 'the key id (from retailer:keys)')
  .action((opts: { key: string }) =>
    withContext(async (ctx) => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.key))
        throw new Error('--key must be a key id (a UUID)');
      const k = await ctx.get(RewardsApi, { strict: false }).revokeRetailerKey(opts.key);
      console.log(`revoked ${k.id} (${k.prefix}…) at ${k.revokedAt}`);
    }),
  );

program
  .command('vouchers:rotate-key')
  .description(
    'make a new voucher signing key now; it signs after one VOUCHER_KEY_RING_REFRESH_S (old public keys stay published while their vouchers are valid)',
  )
  .action(() =>
    withContext(async (ctx) => {
      const { kid, signsFrom } = await ctx.get(RewardsApi, { strict: false }).rotateVoucherKey();
      console.log(`new voucher signing key ${kid}; it signs from ${signsFrom.toISOString()}`);
    }),
  );

program
  .command('pii:reencrypt')
  .description(
    're-encrypt every e-mail/phone not yet under IAM_PII_KEY_ID (instances also do it in the background after a key change)',
  )
  .action(() =>
    withContext(async (ctx) => {
      const pii = ctx.get(PiiReencryption);
      const r = await pii.run();
      console.log(
        `re-encrypted ${r.rows} rows in ${r.seconds.toFixed(2)} s (${r.rowsPerSecond} rows/s); ${r.skipped} skipped; ${await pii.pending()} still pending`,
      );
    }),
  );

program
  .command('admin:create')
  .description(
    "pre-authorise an admin: applied at that e-mail's first sign-in, or at once if the account exists",
  )
  .requiredOption('--email <email>', 'the e-mail the admin signs in with')
  .action((opts: { email: string }) =>
    withContext(async (ctx) => {
      if (!/^[^@\s]+@[^@\s]+$/.test(opts.email)) throw new Error('--email must be an e-mail address');
      const { appliedTo } = await ctx.get(AdminService).preauthorizeAdmin(opts.email);
      console.log(
        appliedTo.length > 0
          ? `admin role applied to ${appliedTo.length} existing account(s)`
          : 'admin pre-authorised; applied at first sign-in',
      );
    }),
  );

program
  .command('session:issue')
  .description(
    'development mode only: create N verified accounts with sessions (load tests, demo) and write them as JSON',
  )
  .option('--role <role>', ROLES.join(' | '), 'citizen')
  .option('--count <n>', 'how many', '1')
  .requiredOption('--out <file>', 'JSON file to write [{accountId, role, accessToken, refreshToken, ...}]')
  .action((opts: { role: string; count: string; out: string }) => {
    if (!(ROLES as readonly string[]).includes(opts.role))
      throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    const env = validateEnvironment(process.env);
    if (!env.HEYBLUE_DEV_MODE || env.NODE_ENV === 'production')
      throw new Error('session:issue works only with HEYBLUE_DEV_MODE=true (never in production)');
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

import { readFileSync } from 'node:fs';
import { Controller, Module, Post, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import pg from 'pg';
import { AUDITED, AuditTrail, NOT_AUDITED } from '@heyblue/iam';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectInvalid, issueSessions } from '../support/admin-reads.js';
import { CLI_TEST_TIMEOUT_MS, runCli } from '../support/cli.js';
import { api, given, type SignedIn } from '../support/given.js';

/** Routes whose handler forgets, keeps or skips its audit entry: the interceptor must tell them apart. */
@Controller('test-audit')
class AuditProbeController {
  constructor(private readonly trail: AuditTrail) {}

  @Post('forgets')
  @AuditedProbe('probe_forgotten')
  forgets() {
    return { ok: true };
  }

  @Post('writes')
  @AuditedProbe('probe_written')
  async writes() {
    await this.trail.record({ actor: null, action: 'probe_written' });
    return { ok: true };
  }

  @Post('unchanged')
  @AuditedProbe('probe_unchanged')
  unchanged() {
    this.trail.unchanged();
    return { ok: true };
  }
}
function AuditedProbe(action: string): MethodDecorator {
  return (target, key, descriptor) => Reflect.defineMetadata(AUDITED, [action], descriptor.value as object);
}

@Module({ imports: [DiscoveryModule], controllers: [AuditProbeController] })
class AuditProbeModule {}

/**
 * State-changing routes that write no audit entry, with the reason their decorator gives.
 * A new one must be added here on purpose (and justified in review).
 */
const NOT_AUDITED_ROUTES = [
  'POST /auth/oidc/start',
  'POST /connections/presence',
  'GET /admin/events/queues',
];

interface Route {
  verb: string;
  path: string;
  audited?: string[];
  notAudited?: string;
}

/** Every HTTP route of the application, read from the controllers Nest registered. */
function walkRoutes(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const wrapper of t.app.get(DiscoveryService).getControllers()) {
    const type = wrapper.metatype as (new (...a: unknown[]) => unknown) | null;
    if (!type || type === AuditProbeController) continue;
    const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
    const proto = type.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
      const path = `/${[base, sub]
        .map((p) => p.replace(/^\/|\/$/g, ''))
        .filter(Boolean)
        .join('/')}`;
      routes.push({
        verb: RequestMethod[method],
        path,
        audited: Reflect.getMetadata(AUDITED, handler) as string[] | undefined,
        notAudited: Reflect.getMetadata(NOT_AUDITED, handler) as string | undefined,
      });
    }
  }
  return routes;
}

describe('audit trail', () => {
  let t: TestApp;
  let admin: SignedIn;
  let db: pg.Client;

  const audit = (query: string, token = admin.accessToken) =>
    api(t, 'GET', `/admin/audit${query}`, { token });

  beforeAll(async () => {
    t = await startTestApp({}, undefined, [AuditProbeModule]);
    admin = await given.admin(t);
    db = new pg.Client({ connectionString: t.testEnv.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('walks every controller: each state-changing or admin route declares its audit action, or why it has none', () => {
    const routes = walkRoutes(t);
    expect(routes.length).toBeGreaterThan(40);
    const mustAudit = routes.filter((r) => r.verb !== 'GET' || r.path.startsWith('/admin/'));
    const undeclared = mustAudit.filter((r) => !r.audited && !r.notAudited).map((r) => `${r.verb} ${r.path}`);
    expect(undeclared).toEqual([]);
    const exempt = mustAudit.filter((r) => r.notAudited).map((r) => `${r.verb} ${r.path}`);
    expect(exempt.sort()).toEqual([...NOT_AUDITED_ROUTES].sort());
    for (const r of mustAudit.filter((x) => x.notAudited)) expect(r.notAudited!.length).toBeGreaterThan(20);
    for (const r of mustAudit.filter((x) => x.audited))
      for (const a of r.audited!) expect(a).toMatch(/^[a-z][a-z0-9_]+$/);
  });

  it('docs/admin-api.md names every route above and every CLI command with exactly the audit actions they write', () => {
    const doc = readFileSync('docs/admin-api.md', 'utf8');
    const section = doc.slice(doc.indexOf('## Every operation and its audit action'));
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    const documented = new Map<string, string[]>();
    for (const row of rows) {
      const [operation, , actions] = row
        .split('|')
        .slice(1, 4)
        .map((c) => c.trim());
      const names = actions === 'none' ? [] : [...actions!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
      documented.set(operation!.replace(/`/g, ''), names);
    }
    expect(documented.size).toBe(rows.length); // no operation twice

    const CLI = 'npm run cli -- ';
    const routes = walkRoutes(t).filter((r) => r.verb !== 'GET' || r.path.startsWith('/admin/'));
    const fromCode = Object.fromEntries(
      routes.map((r) => [`${r.verb} ${r.path.replace(/:(\w+)/g, '{$1}')}`, r.audited ?? []]),
    );
    const inDocs = Object.fromEntries([...documented].filter(([op]) => !op.startsWith(CLI)));
    expect(inDocs).toEqual(fromCode);

    // Every command of the CLI, each with its cli_command entry first.
    const cli = readFileSync('apps/api/src/cli.ts', 'utf8');
    const commands = [...cli.matchAll(/\.command\('([a-z:-]+)/g)].map((m) => m[1]!);
    const cliRows = [...documented].filter(([op]) => op.startsWith(CLI));
    expect(cliRows.map(([op]) => op.slice(CLI.length)).sort()).toEqual(commands.sort());
    for (const [, actions] of cliRows) expect(actions[0]).toBe('cli_command');
  });

  it('holds every @Audited route to its word: a success without its entry fails (outside production), an entry or "unchanged" passes', async () => {
    const forgot = await api(t, 'POST', '/test-audit/forgets');
    expect(forgot.status).toBe(500);
    expect((await api(t, 'POST', '/test-audit/writes')).status).toBe(201);
    expect((await api(t, 'POST', '/test-audit/unchanged')).status).toBe(201);
    const metrics = await fetch(`${t.url}/metrics`);
    expect(await metrics.text()).toMatch(
      /heyblue_audit_missing_total\{route="AuditProbeController.forgets"\} 1/,
    );
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the trail at the database level, even by the table owner', async () => {
    await db.query(
      `INSERT INTO iam_audit_entry (id, action, actor_kind) VALUES (gen_random_uuid(), 'probe_raw_sql', 'system')`,
    );
    await expect(
      db.query(`UPDATE iam_audit_entry SET action = 'rewritten' WHERE action = 'probe_raw_sql'`),
    ).rejects.toThrow(/append-only \(UPDATE refused\)/);
    await expect(db.query(`DELETE FROM iam_audit_entry WHERE action = 'probe_raw_sql'`)).rejects.toThrow(
      /append-only \(DELETE refused\)/,
    );
    await expect(db.query('TRUNCATE iam_audit_entry')).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM iam_audit_entry WHERE action = 'probe_raw_sql'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('un-suspends an account: it signs in again, its old sessions stay ended; both changes are in the trail with who, target and from where', async () => {
    const [victim] = await issueSessions(t, 'citizen');
    const suspend = await api(t, 'POST', `/admin/accounts/${victim!.accountId}/suspend`, {
      token: admin.accessToken,
      ip: '10.9.8.7',
      headers: { 'user-agent': 'ops-console/1' },
    });
    expect(suspend.status).toBe(200);
    const lift = await api(t, 'POST', `/admin/accounts/${victim!.accountId}/unsuspend`, {
      token: admin.accessToken,
      ip: '10.9.8.7',
      headers: { 'user-agent': 'ops-console/1' },
    });
    expect(lift.status).toBe(200);
    expect(lift.body).toEqual({ id: victim!.accountId, status: 'active' });
    // A repeat changes nothing and writes nothing.
    expect(
      (await api(t, 'POST', `/admin/accounts/${victim!.accountId}/unsuspend`, { token: admin.accessToken }))
        .status,
    ).toBe(200);

    expect((await api(t, 'GET', '/auth/session', { token: victim!.accessToken })).status).toBe(401);
    expect(
      (await api(t, 'GET', `/admin/accounts/${victim!.accountId}`, { token: admin.accessToken })).body.status,
    ).toBe('active');

    const trail = await audit(`?target=${victim!.accountId}`);
    expect(trail.status).toBe(200);
    const mine = trail.body.items.filter(
      (e: { action: string }) => e.action === 'account_unsuspended' || e.action === 'account_suspended',
    );
    expect(mine.map((e: { action: string }) => e.action)).toEqual([
      'account_unsuspended',
      'account_suspended',
    ]);
    expect(mine[0]).toMatchObject({
      actorId: admin.accountId,
      actorKind: 'account',
      targetId: victim!.accountId,
      ip: '10.9.8.7',
      userAgent: 'ops-console/1',
    });
  });

  it('refuses un-suspension to non-admins, of oneself, and of an unknown or malformed id', async () => {
    const [citizen] = await issueSessions(t, 'citizen');
    const other = (await issueSessions(t, 'citizen'))[0]!;
    expect(
      (await api(t, 'POST', `/admin/accounts/${other.accountId}/unsuspend`, { token: citizen!.accessToken }))
        .status,
    ).toBe(403);
    expect((await api(t, 'POST', `/admin/accounts/${other.accountId}/unsuspend`)).status).toBe(401);
    const self = await api(t, 'POST', `/admin/accounts/${admin.accountId}/unsuspend`, {
      token: admin.accessToken,
    });
    expect([self.status, self.body.code]).toEqual([422, 'OWN_ACCOUNT']);
    const unknown = await api(t, 'POST', '/admin/accounts/00000000-0000-4000-8000-000000000000/unsuspend', {
      token: admin.accessToken,
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
    expectInvalid(await api(t, 'POST', '/admin/accounts/nope/unsuspend', { token: admin.accessToken }), 'id');
  });

  it('filters by actor, action, target and time, pages with a cursor, and audits its own reading', async () => {
    const [c] = await issueSessions(t, 'citizen');
    await api(t, 'GET', `/admin/accounts/${c!.accountId}`, { token: admin.accessToken, ip: '10.1.2.3' });
    await api(t, 'GET', `/admin/accounts/${c!.accountId}`, { token: admin.accessToken, ip: '10.1.2.3' });
    const since = new Date(Date.now() - 60_000).toISOString();

    const viewed = await audit(
      `?actor=${admin.accountId}&action=account_viewed&target=${c!.accountId}&from=${encodeURIComponent(since)}&limit=1`,
    );
    expect(viewed.status).toBe(200);
    expect(viewed.body.items).toEqual([
      expect.objectContaining({
        action: 'account_viewed',
        actorId: admin.accountId,
        targetId: c!.accountId,
        detail: { found: true },
      }),
    ]);
    const next = await audit(
      `?actor=${admin.accountId}&action=account_viewed&target=${c!.accountId}&limit=1&cursor=${encodeURIComponent(viewed.body.nextCursor)}`,
    );
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].id).not.toBe(viewed.body.items[0].id);

    const before = await audit(
      `?action=account_viewed&to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`,
    );
    expect(before.body.items).toEqual([]);
    const reads = await audit(`?actor=${admin.accountId}&action=audit_viewed&limit=1`);
    expect(reads.body.items[0]).toMatchObject({
      action: 'audit_viewed',
      detail: expect.objectContaining({ action: 'account_viewed' }),
    });
  });

  it('refuses bad filters with 400 and non-admins with 403', async () => {
    expectInvalid(await audit('?from=yesterday'), 'from');
    expectInvalid(await audit('?action=DROP%20TABLE'), 'action');
    expectInvalid(await audit(`?actor=${'x'.repeat(101)}`), 'actor');
    expectInvalid(await audit('?cursor=%%%'), 'cursor');
    expectInvalid(await audit('?who=me'), 'who');
    const [citizen] = await issueSessions(t, 'citizen');
    expect((await audit('', citizen!.accessToken)).status).toBe(403);
  });

  it(
    'the CLI prints the trail (filtered, as text or JSON lines) and records its own run with the OS user',
    async () => {
      const env = { ...t.testEnv.env, USER: 'night-ops', SUDO_USER: 'night-ops' };
      const text = await runCli(env, [
        'audit',
        '--actor',
        admin.accountId,
        '--action',
        'account_viewed',
        '--since',
        '1h',
        '--limit',
        '2',
      ]);
      expect(text.code).toBe(0);
      // Nest's own start-up warnings share stdout with the command's output.
      const lines = text.out
        .trim()
        .split('\n')
        .filter((l) => !l.includes('[Nest]'));
      expect(lines).toHaveLength(2);
      for (const l of lines)
        expect(l).toMatch(
          new RegExp(
            `^\\d{4}-\\d{2}-\\d{2}T\\S+  account:${admin.accountId}  account_viewed  \\S+  10\\.1\\.2\\.3  \\{"found":true\\}$`,
          ),
        );

      const json = await runCli(env, ['audit', '--action', 'cli_command', '--limit', '1', '--json']);
      expect(json.code).toBe(0);
      const [entry] = json.out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      expect(entry).toMatchObject({
        action: 'cli_command',
        actorKind: 'cli',
        actorRef: 'night-ops',
        detail: {
          command: 'audit',
          outcome: 'ok',
          options: expect.objectContaining({ action: 'account_viewed', since: '1h' }),
        },
      });

      const bad = await runCli(env, ['audit', '--since', 'last tuesday']);
      expect(bad.code).not.toBe(0);
      expect(bad.err).toMatch(/--since must be/);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

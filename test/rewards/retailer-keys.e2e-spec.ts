import { createHash } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { startTestApp, type TestApp } from '../support/app.js';
import { CLI_TEST_TIMEOUT_MS, runCli } from '../support/cli.js';
import { api, given, type SignedIn } from '../support/given.js';
import { earn, givenOffer } from './rewards-fixtures.js';

/**
 * Issue 23: retailers and their keys for admins (search, list, issue once, revoke at once on
 * every instance, audited), the CLI's list and revoke, and the affiliate statement.
 */
describe('admin: retailers, retailer keys and the retailer statement', () => {
  let t: TestApp;
  let second: TestApp;
  let admin: SignedIn;
  let citizen: SignedIn;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp();
    // A second instance on the same database and Redis: a revoked key must fail there at once too.
    second = await startTestApp({}, t.testEnv);
    prisma = t.app.get(PrismaService);
    [admin, citizen] = await Promise.all([given.admin(t), given.citizen(t)]);
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  const as = (who: SignedIn) => ({ token: who.accessToken });
  const verifyWith = (app: TestApp, key: string) =>
    api(app, 'POST', '/vouchers/verify', { body: { code: 'UNKNOWN' }, headers: { 'x-retailer-key': key } });
  const auditOf = (action: string, targetId?: string) =>
    prisma.iamAuditEntry.findMany({
      where: { action, ...(targetId ? { targetId } : {}) },
      orderBy: { seq: 'asc' },
    });

  it('searches retailers by name or external id, page by page, and audits the read', async () => {
    const tag = `Zed${Date.now().toString(36)}`;
    const made = [];
    for (const n of ['A', 'B', 'C']) {
      const o = await givenOffer(t, { retailer: `${tag.toLowerCase()}-${n}` });
      await t.app.get(RewardsApi).upsertRetailer({ externalId: o.retailerExternalId, name: `${tag} ${n}` });
      made.push(o);
    }
    const first = await api(t, 'GET', `/admin/retailers?q=${tag.toLowerCase()}&limit=2`, as(admin));
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      { id: made[0]!.retailerId, externalId: made[0]!.retailerExternalId, name: `${tag} A`, active: true },
      { id: made[1]!.retailerId, externalId: made[1]!.retailerExternalId, name: `${tag} B`, active: true },
    ]);
    const rest = await api(
      t,
      'GET',
      `/admin/retailers?q=${tag}&limit=2&cursor=${first.body.nextCursor}`,
      as(admin),
    );
    expect(rest.body).toEqual({
      items: [expect.objectContaining({ id: made[2]!.retailerId, name: `${tag} C` })],
      nextCursor: null,
    });
    // By external id too; no match is an empty page.
    const byExt = await api(t, 'GET', `/admin/retailers?q=${made[1]!.retailerExternalId}`, as(admin));
    expect(byExt.body.items.map((r: { id: string }) => r.id)).toEqual([made[1]!.retailerId]);
    expect((await api(t, 'GET', '/admin/retailers?q=nothing-like-this', as(admin))).body).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(
      (await auditOf('retailers_viewed')).filter((e) => e.actorId === admin.accountId).length,
    ).toBeGreaterThanOrEqual(4);
  });

  it('refuses retailer routes to non-admins and without a token', async () => {
    const { retailerId } = await givenOffer(t);
    const key = (
      await prisma.rewardsRetailerKey.create({
        data: { retailerId, keyHash: `h-${retailerId}`, prefix: 'hbr_x' },
      })
    ).id;
    const calls: Array<[string, string]> = [
      ['GET', '/admin/retailers'],
      ['GET', `/admin/retailers/${retailerId}/keys`],
      ['POST', `/admin/retailers/${retailerId}/keys`],
      ['DELETE', `/admin/retailer-keys/${key}`],
      ['GET', '/admin/reports/retailers'],
    ];
    for (const [verb, path] of calls) {
      expect([verb, path, (await api(t, verb, path, as(citizen))).status]).toEqual([verb, path, 403]);
      expect([verb, path, (await api(t, verb, path)).status]).toEqual([verb, path, 401]);
    }
    expect(await prisma.rewardsRetailerKey.count({ where: { retailerId } })).toBe(1);
    expect((await prisma.rewardsRetailerKey.findUniqueOrThrow({ where: { id: key } })).revokedAt).toBeNull();
  });

  it('refuses bad input with 400 and unknown ids with 404, changing nothing', async () => {
    const bad: Array<[string, string, string]> = [
      ['GET', '/admin/retailers?limit=0', 'limit'],
      ['GET', '/admin/retailers?limit=101', 'limit'],
      ['GET', '/admin/retailers?cursor=%%%', 'cursor'],
      ['GET', `/admin/retailers?q=${'x'.repeat(101)}`, 'q'],
      ['GET', '/admin/retailers?who=me', 'who'],
      ['GET', '/admin/retailers/not-a-uuid/keys', 'id'],
      ['POST', '/admin/retailers/not-a-uuid/keys', 'id'],
      ['DELETE', '/admin/retailer-keys/not-a-uuid', 'keyId'],
      ['GET', '/admin/reports/retailers?from=yesterday', 'from'],
      ['GET', '/admin/reports/retailers?from=2026-12-02&to=2026-12-01', 'from'],
      ['GET', '/admin/reports/retailers?to=2026-02-30', 'to'],
    ];
    const keysBefore = await prisma.rewardsRetailerKey.count();
    for (const [verb, path, field] of bad) {
      const res = await api(t, verb, path, as(admin));
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [verb, path, code] of [
      ['GET', `/admin/retailers/${unknown}/keys`, 'RETAILER_NOT_FOUND'],
      ['POST', `/admin/retailers/${unknown}/keys`, 'RETAILER_NOT_FOUND'],
      ['DELETE', `/admin/retailer-keys/${unknown}`, 'RETAILER_KEY_NOT_FOUND'],
    ] as const) {
      const res = await api(t, verb, path, as(admin));
      expect([path, res.status, res.body.code]).toEqual([path, 404, code]);
    }
    expect(await prisma.rewardsRetailerKey.count()).toBe(keysBefore);
  });

  it('issues a key shown once, lists keys without secrets, and a revoked key answers 401 at once on both instances', async () => {
    const { retailerId } = await givenOffer(t);
    const issued = await api(t, 'POST', `/admin/retailers/${retailerId}/keys`, as(admin));
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      id: expect.any(String),
      key: expect.stringMatching(/^hbr_[A-Za-z0-9_-]{43}$/),
    });
    const { id, key } = issued.body as { id: string; key: string };
    const stored = await prisma.rewardsRetailerKey.findUniqueOrThrow({ where: { id } });
    expect(stored.keyHash).toBe(createHash('sha256').update(key).digest('hex'));
    // Works on both instances (404: authenticated, unknown voucher).
    expect((await verifyWith(t, key)).status).toBe(404);
    expect((await verifyWith(second, key)).status).toBe(404);

    const other = await api(t, 'POST', `/admin/retailers/${retailerId}/keys`, as(admin));
    const list = await api(t, 'GET', `/admin/retailers/${retailerId}/keys`, as(admin));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      {
        id: other.body.id,
        prefix: other.body.key.slice(0, 12),
        createdAt: expect.any(String),
        revokedAt: null,
      },
      { id, prefix: key.slice(0, 12), createdAt: expect.any(String), revokedAt: null },
    ]);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(key);
    expect(text).not.toContain(stored.keyHash);

    const revoked = await api(t, 'DELETE', `/admin/retailer-keys/${id}`, as(admin));
    expect(revoked.status).toBe(204);
    for (const app of [t, second]) {
      const res = await verifyWith(app, key);
      expect([res.status, res.body.code]).toEqual([401, 'RETAILER_KEY_INVALID']);
    }
    // The other key still works; the list shows the revocation.
    expect((await verifyWith(second, other.body.key)).status).toBe(404);
    const after = await api(t, 'GET', `/admin/retailers/${retailerId}/keys`, as(admin));
    expect(after.body.items.find((k: { id: string }) => k.id === id).revokedAt).toEqual(expect.any(String));

    // A repeat changes nothing and writes no second entry.
    const firstRevokedAt = (await prisma.rewardsRetailerKey.findUniqueOrThrow({ where: { id } })).revokedAt;
    expect((await api(t, 'DELETE', `/admin/retailer-keys/${id}`, as(admin))).status).toBe(204);
    expect((await prisma.rewardsRetailerKey.findUniqueOrThrow({ where: { id } })).revokedAt).toEqual(
      firstRevokedAt,
    );

    // Audited: who, what, target; never the key.
    const [issuedEntry] = await auditOf('retailer_key_issued', id);
    expect(issuedEntry).toMatchObject({
      actorId: admin.accountId,
      detail: { retailerId, prefix: key.slice(0, 12) },
    });
    expect(JSON.stringify(issuedEntry!.detail)).not.toContain(key);
    const revokes = await auditOf('retailer_key_revoked', id);
    expect(revokes).toHaveLength(1);
    expect(revokes[0]).toMatchObject({ actorId: admin.accountId, detail: { retailerId } });
    expect(await auditOf('retailer_keys_viewed', retailerId)).toHaveLength(2);
  });

  it('two revokes of one key at once: both answer 204, one audit entry', async () => {
    const { retailerId } = await givenOffer(t);
    const { id } = (await api(t, 'POST', `/admin/retailers/${retailerId}/keys`, as(admin))).body;
    const answers = await Promise.all([
      api(t, 'DELETE', `/admin/retailer-keys/${id}`, as(admin)),
      api(second, 'DELETE', `/admin/retailer-keys/${id}`, as(admin)),
    ]);
    expect(answers.map((a) => a.status)).toEqual([204, 204]);
    expect(await auditOf('retailer_key_revoked', id)).toHaveLength(1);
  });

  it('the statement counts per retailer the vouchers issued, used and expired and the points spent, in JSON and formula-safe CSV', async () => {
    const shopper = await given.citizen(t);
    await earn(t, shopper.accountId, 10);
    const a = await givenOffer(t, { pointsCost: 10 });
    const b = await givenOffer(t, { pointsCost: 25 });
    await t.app.get(RewardsApi).upsertRetailer({ externalId: b.retailerExternalId, name: '=HYPERLINK("x")' });
    const redeem = async (offerId: string) => {
      const res = await api(t, 'POST', '/rewards/redemptions', { ...as(shopper), body: { offerId } });
      expect(res.status).toBe(201);
      return res.body.voucher.code as string;
    };
    const codes = [await redeem(a.offerId), await redeem(a.offerId), await redeem(b.offerId)];
    const key = (await api(t, 'POST', `/admin/retailers/${a.retailerId}/keys`, as(admin))).body.key;
    expect(
      (await api(t, 'POST', `/vouchers/${codes[0]}/use`, { headers: { 'x-retailer-key': key } })).status,
    ).toBe(200);
    // One of b's vouchers expired unused an hour ago.
    await prisma.rewardsVoucher.updateMany({
      where: { retailerId: b.retailerId },
      data: { expiresAt: new Date(Date.now() - 3_600_000) },
    });

    // From yesterday: an hour ago is yesterday when the suite runs just after midnight UTC.
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const res = await api(t, 'GET', `/admin/reports/retailers?from=${yesterday}&to=${today}`, as(admin));
    expect(res.status).toBe(200);
    const rowOf = (id: string) => res.body.rows.find((r: { retailerId: string }) => r.retailerId === id);
    expect(rowOf(a.retailerId)).toEqual({
      retailerId: a.retailerId,
      externalId: a.retailerExternalId,
      name: expect.any(String),
      issued: 2,
      used: 1,
      expired: 0,
      pointsSpent: 20,
      pointsUsed: 10,
    });
    expect(rowOf(b.retailerId)).toMatchObject({
      issued: 1,
      used: 0,
      expired: 1,
      pointsSpent: 25,
      pointsUsed: 0,
    });

    // Another period: nothing.
    const empty = await api(t, 'GET', '/admin/reports/retailers?from=2020-01-01&to=2020-01-31', as(admin));
    expect(empty.body).toEqual({ rows: [] });

    const csv = await api(t, 'GET', `/admin/reports/retailers?from=${yesterday}&to=${today}`, {
      ...as(admin),
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = String(csv.body).trim().split(/\r?\n/);
    expect(lines[0]).toBe('retailerId,externalId,name,issued,used,expired,pointsSpent,pointsUsed');
    const bLine = lines.find((l) => l.startsWith(b.retailerId))!;
    expect(bLine).toContain(`"'=HYPERLINK(""x"")"`);
    expect(bLine.endsWith(',1,0,1,25,0')).toBe(true);
    const views = await auditOf('report_viewed');
    expect(
      views.filter((e) => (e.detail as { metric?: string }).metric === 'retailers').length,
    ).toBeGreaterThanOrEqual(3);
  });

  it(
    "CLI: retailer:keys lists a retailer's keys without secrets and retailer:key:revoke revokes one (401 at once), both audited",
    async () => {
      const { retailerId, retailerExternalId } = await givenOffer(t);
      const issued = await runCli(t.testEnv.env, ['retailer:key', '--retailer', retailerExternalId]);
      expect(issued.code).toBe(0);
      const key = issued.out.trim().split('\n').pop()!;
      const [{ id }] = await prisma.rewardsRetailerKey.findMany({ where: { retailerId } });
      const listed = await runCli(t.testEnv.env, [
        'retailer:keys',
        '--retailer',
        retailerExternalId,
        '--json',
      ]);
      expect(listed.code).toBe(0);
      const rows = listed.out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      expect(rows).toEqual([
        { id, prefix: key.slice(0, 12), createdAt: expect.any(String), revokedAt: null },
      ]);
      expect(listed.out).not.toContain(key);

      const revoked = await runCli(t.testEnv.env, ['retailer:key:revoke', '--key', id!]);
      expect(revoked.code).toBe(0);
      expect(revoked.out).toContain(`revoked ${id}`);
      expect((await verifyWith(t, key)).status).toBe(401);
      expect((await runCli(t.testEnv.env, ['retailer:key:revoke', '--key', 'nope'])).code).not.toBe(0);
      expect(
        (await runCli(t.testEnv.env, ['retailer:keys', '--retailer', 'no-such-retailer'])).code,
      ).not.toBe(0);
      const cliEntries = await prisma.iamAuditEntry.findMany({
        where: { action: 'cli_command', actorKind: 'cli' },
      });
      const commands = cliEntries.map((e) => (e.detail as { command: string }).command);
      expect(commands).toEqual(expect.arrayContaining(['retailer:keys', 'retailer:key:revoke']));
    },
    CLI_TEST_TIMEOUT_MS * 3,
  );
});

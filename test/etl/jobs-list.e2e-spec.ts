import { randomBytes } from 'node:crypto';
import type { IssuedDevSession } from '@heyblue/iam';
import { expectAdminOnly, expectInvalid, issueSessions } from '../support/admin-reads.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { csv, load, upload } from './etl-support.js';

const HEADER = ['external_id', 'name', 'website', 'contact_email', 'zip'];

/** GET /admin/etl/jobs: the dashboard's list of recent uploads. */
describe('ETL jobs list and upload kinds', () => {
  let t: TestApp;
  let admin: SignedIn;
  let citizen: IssuedDevSession;
  let officer: IssuedDevSession;

  const get = (path: string) => api(t, 'GET', path, { token: admin.accessToken });

  beforeAll(async () => {
    t = await startTestApp();
    [admin, [citizen], [officer]] = await Promise.all([
      given.admin(t),
      issueSessions(t, 'citizen'),
      issueSessions(t, 'officer'),
    ]);
  });
  afterAll(() => t.close());

  it('lists jobs newest first with file name, status, progress and counts, page by page', async () => {
    const p = randomBytes(4).toString('hex');
    const good = await load(t, admin.accessToken, {
      kind: 'retailers',
      filename: 'retailers.csv',
      content: csv([HEADER, [`${p}-1`, 'Deli', 'https://deli.example.com', 'a@deli.example.com', '10001']]),
    });
    const withBadRow = await load(t, admin.accessToken, {
      kind: 'retailers',
      filename: 'partners.csv',
      content: csv([
        HEADER,
        [`${p}-2`, 'Bakery', 'https://bakery.example.com', 'b@bakery.example.com', '10002'],
        [`${p}-3`, 'Nameless', 'https://x.example.com', 'not-an-email', 'nozip'],
      ]),
    });
    const dry = await load(t, admin.accessToken, {
      kind: 'retailers',
      filename: 'dry.csv',
      dryRun: true,
      content: csv([HEADER, [`${p}-4`, 'Cafe', 'https://cafe.example.com', 'c@cafe.example.com', '10003']]),
    });
    const summary = (jobId: string, job: Record<string, unknown>, fileName: string, dryRun: boolean) => ({
      jobId,
      kind: 'retailers',
      fileName,
      dryRun,
      status: job.status,
      progress: job.progress,
      rowsTotal: job.rowsTotal,
      rowsOk: job.rowsOk,
      rowsFailed: job.rowsFailed,
      createdAt: job.createdAt,
    });
    expect(withBadRow.job).toMatchObject({ status: 'done', rowsTotal: 2, rowsOk: 1, rowsFailed: 1 });

    const first = await get('/admin/etl/jobs?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      summary(dry.jobId, dry.job, 'dry.csv', true),
      summary(withBadRow.jobId, withBadRow.job, 'partners.csv', false),
    ]);
    const second = await get(`/admin/etl/jobs?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({
      items: [summary(good.jobId, good.job, 'retailers.csv', false)],
      nextCursor: null,
    });
    expect((await get('/admin/etl/jobs')).body.items.map((j: { jobId: string }) => j.jobId)).toEqual([
      dry.jobId,
      withBadRow.jobId,
      good.jobId,
    ]);

    const audit = await get(`/admin/audit?action=etl_jobs_listed&actorId=${admin.accountId}`);
    expect(audit.body.items).toHaveLength(3);
  });

  it('refuses a bad limit, cursor or parameter with 400 VALIDATION_FAILED', async () => {
    for (const limit of ['0', '101', '1.5'])
      expectInvalid(await get(`/admin/etl/jobs?limit=${limit}`), 'limit');
    const notAUuid = Buffer.from(JSON.stringify(['2026-11-01T00:00:00.000Z', '1'])).toString('base64url');
    for (const cursor of ['garbage', notAUuid])
      expectInvalid(await get(`/admin/etl/jobs?cursor=${cursor}`), 'cursor');
    expectInvalid(await get('/admin/etl/jobs?status=done'), 'status');
  });

  it('describes each upload kind with the columns the upload really checks', async () => {
    const res = await get('/admin/etl/kinds');
    expect(res.status).toBe(200);
    expect(res.body.maxUploadBytes).toBe(209_715_200);
    expect(res.body.items.map((k: { kind: string }) => k.kind)).toEqual([
      'retailers',
      'offers',
      'municipalities',
      'schemes',
      'charities',
      'officers',
    ]);
    const offers = res.body.items.find((k: { kind: string }) => k.kind === 'offers');
    expect(offers).toMatchObject({
      optional: ['max_redemptions', 'zips', 'active'],
      parent: { kind: 'retailers', column: 'retailer_external_id' },
    });
    // Every kind may retire its entries with an `active` column.
    for (const k of res.body.items as Array<{ kind: string; optional: string[] }>)
      expect([k.kind, k.optional.includes('active')]).toEqual([k.kind, true]);
    expect(res.body.items.find((k: { kind: string }) => k.kind === 'retailers').parent).toBeNull();

    const charities = res.body.items.find((k: { kind: string }) => k.kind === 'charities');
    const header = charities.required.slice(0, -1);
    const missing = await upload(t, admin.accessToken, {
      kind: 'charities',
      content: csv([header, header.map(() => 'x')]),
    });
    expect(missing).toMatchObject({
      status: 400,
      body: { code: 'MISSING_COLUMNS', errors: [{ field: charities.required.at(-1) }] },
    });
    expect(
      (await get(`/admin/audit?action=etl_kinds_viewed&actorId=${admin.accountId}`)).body.items,
    ).toHaveLength(1);
  });

  it('is for admins only', async () => {
    await expectAdminOnly(t, '/admin/etl/jobs', { citizen, officer });
    await expectAdminOnly(t, '/admin/etl/kinds', { citizen, officer });
  });
});

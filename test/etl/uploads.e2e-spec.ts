import { randomBytes } from 'node:crypto';
import { IamApi } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { csv, load, upload } from './etl-support.js';

const RETAILER_HEADER = ['external_id', 'name', 'website', 'contact_email', 'zip'];
// The contract's spelling (CONTRACT.md, "ETL file columns"), kept apart from the production list
// on purpose: importing ETL_COLUMNS here would let a changed column list pass its own test.
const OFFER_HEADER =
  'external_id,retailer_external_id,title,points_cost,discount,valid_from,valid_until,max_redemptions,zips'.split(
    ',',
  );

/** ETL uploads end to end: real multipart, bull worker, Rewards and IAM facades, PostgreSQL. */
describe('ETL uploads', () => {
  let t: TestApp;
  let prisma: PrismaService;
  let admin: SignedIn;
  const uid = () => randomBytes(4).toString('hex');

  beforeAll(async () => {
    t = await startTestApp({ ETL_BATCH_SIZE: '3' });
    prisma = t.app.get(PrismaService);
    admin = await given.admin(t);
  });
  afterAll(() => t.close());

  it('loads retailers from CSV, sanitising text and e-mails, and audits the upload', async () => {
    const p = uid();
    const { jobId, job } = await load(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([
        RETAILER_HEADER,
        [
          `${p}-r1`,
          '"  <b>Corner</b>   Deli "',
          'https://deli.example.com',
          'Owner@Deli.EXAMPLE.com',
          '10001',
        ],
        [`${p}-r2`, '"=HYPERLINK(""http://evil"")"', 'https://evil.example.com', 'a@b.example', '10002-1234'],
      ]),
    });
    expect(job).toMatchObject({
      status: 'done',
      progress: 1,
      rowsTotal: 2,
      rowsOk: 2,
      rowsFailed: 0,
      errors: [],
    });
    const rows = await prisma.rewardsRetailer.findMany({
      where: { externalId: { startsWith: p } },
      orderBy: { externalId: 'asc' },
    });
    expect(rows.map((r) => [r.name, r.contactEmail, r.zip])).toEqual([
      ['Corner Deli', 'owner@deli.example.com', '10001'],
      [`'=HYPERLINK("http://evil")`, 'a@b.example', '10002'],
    ]);
    const audit = await prisma.iamAuditEntry.findFirst({ where: { action: 'etl_upload', targetId: jobId } });
    expect(audit?.actorId).toBe(admin.accountId);
  });

  it('loads offers referring to retailers in the database, with zips split on ;', async () => {
    const p = uid();
    await load(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([RETAILER_HEADER, [`${p}-r`, 'Shop', 'https://s.example.com', 's@s.example', '10001']]),
    });
    const { job } = await load(t, admin.accessToken, {
      kind: 'offers',
      content: csv([
        OFFER_HEADER,
        [`${p}-o`, `${p}-r`, 'Free coffee', '50', '-10%', '2026-01-01', '2027-01-01', '100', '"10001;10002"'],
      ]),
    });
    expect(job).toMatchObject({ status: 'done', rowsOk: 1, rowsFailed: 0 });
    const offer = await prisma.rewardsOffer.findUniqueOrThrow({ where: { externalId: `${p}-o` } });
    expect(offer).toMatchObject({
      title: 'Free coffee',
      pointsCost: 50,
      discount: "'-10%",
      maxRedemptions: 100,
      zips: ['10001', '10002'],
    });
    expect(offer.validFrom.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    // Dry runs of offers resolve retailers loaded before; nothing refers to an offer, so no offer key is kept.
    const known = await prisma.etlKnownRef.findMany({ where: { externalId: { in: [`${p}-r`, `${p}-o`] } } });
    expect(known).toEqual([{ kind: 'retailers', externalId: `${p}-r` }]);
  });

  it('loads municipalities and schemes from a semicolon CSV with a BOM', async () => {
    const p = uid();
    const munis = '\uFEFFexternal_id;name;state;zips\r\n' + `${p}-m;Springfield;il;"62701;62702"\r\n`;
    const m = await load(t, admin.accessToken, { kind: 'municipalities', content: munis });
    expect(m.job).toMatchObject({ status: 'done', rowsOk: 1 });
    const s = await load(t, admin.accessToken, {
      kind: 'schemes',
      content: `EXTERNAL_ID;Municipality_External_Id;title;multiplier;valid_from;valid_until\r\n${p}-s;${p}-m;Double weekend;2.5;2026-03-01;2026-04-01T00:00:00Z\r\n`,
    });
    expect(s.job).toMatchObject({ status: 'done', rowsOk: 1 });
    expect(
      await prisma.rewardsMunicipality.findUniqueOrThrow({ where: { externalId: `${p}-m` } }),
    ).toMatchObject({ state: 'IL', zips: ['62701', '62702'] });
    expect(await prisma.rewardsScheme.findUniqueOrThrow({ where: { externalId: `${p}-s` } })).toMatchObject({
      title: 'Double weekend',
      multiplier: 2.5,
    });
  });

  it('loads charities from a JSON array and officers from NDJSON', async () => {
    const p = uid();
    const charities = JSON.stringify([
      {
        external_id: `${p}-c1`,
        name: 'Food Bank',
        description: 'Feeds [people], "nightly"',
        website: 'https://food.example.org',
        ein: '123456789',
      },
      {
        External_Id: `${p}-c2`,
        name: 'Shelter',
        description: 'Beds',
        website: 'https://beds.example.org',
        ein: '98-7654321',
      },
    ]);
    const c = await load(t, admin.accessToken, {
      kind: 'charities',
      content: charities,
      contentType: 'application/json',
      filename: 'c.json',
    });
    expect(c.job).toMatchObject({ status: 'done', rowsOk: 2, rowsFailed: 0 });
    expect((await prisma.rewardsCharity.findUniqueOrThrow({ where: { externalId: `${p}-c1` } })).ein).toBe(
      '12-3456789',
    );

    const officer = (n: number, email: string, first: string, last: string, zip: string) =>
      `${JSON.stringify({ badge_number: `b${p}${n}`, email, first_name: first, last_name: last, precinct: '5th', zip })}\n`;
    const officers =
      officer(1, `Off1.${p}@PD.example.gov`, 'Ann', 'Lee', '10001') +
      officer(2, `off2.${p}@pd.example.gov`, 'Bo', 'Ray', '10002');
    const o = await load(t, admin.accessToken, {
      kind: 'officers',
      content: officers,
      contentType: 'application/x-ndjson',
      filename: 'o.ndjson',
    });
    expect(o.job).toMatchObject({ status: 'done', rowsOk: 2, rowsFailed: 0 });
    expect(
      await prisma.iamOfficerRoster.count({
        where: { badgeNumber: { in: [`B${p.toUpperCase()}1`, `B${p.toUpperCase()}2`] } },
      }),
    ).toBe(2);
  });

  it('an officer roster row promotes the signed-in citizen with that e-mail (through IAM)', async () => {
    const login = `roster-${uid()}`;
    const citizen = await given.citizen(t, { login });
    const { job } = await load(t, admin.accessToken, {
      kind: 'officers',
      content: csv([
        ['badge_number', 'email', 'first_name', 'last_name', 'precinct', 'zip'],
        ['B-77', `${login.toUpperCase()}@dev.heyblue.test`, 'Sam', 'Lee', '9th', '10001'],
      ]),
    });
    expect(job).toMatchObject({ status: 'done', rowsOk: 1 });
    expect((await t.app.get(IamApi).getAccount(citizen.accountId))?.role).toBe('officer');
  });

  it('reports every failing rule per row and loads the good rows of a mixed file', async () => {
    const p = uid();
    await load(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([RETAILER_HEADER, [`${p}-r`, 'Shop', 'https://s.example.com', 's@s.example', '10001']]),
    });
    const { jobId, job } = await load(t, admin.accessToken, {
      kind: 'offers',
      content: csv([
        OFFER_HEADER,
        [`${p}-ok1`, `${p}-r`, 'Good', '10', '5%', '2026-01-01', '2026-02-01', '', ''],
        [`${p}-bad1`, `${p}-r`, '', '0', '5%', '2026-01-01', '2026-02-01', '', ''],
        [`${p}-bad2`, `${p}-r`, 'Dates', '10', '5%', '2026-02-01', '2026-01-01', '', ''],
        [`${p}-bad3`, `${p}-r`, 'Bad date', '10', '5%', '2026-13-45', '2026-02-01', '-3', '1234'],
        [`${p}-bad4`, `${p}-nobody`, 'Orphan', '10', '5%', '2026-01-01', '2026-02-01', '', ''],
        [`${p}-ok2`, `${p}-r`, 'Also good', '1', '5%', '2026-01-01', '2026-02-01', '', ''],
        [`${p}-ok1`, `${p}-r`, 'Duplicate', '10', '5%', '2026-01-01', '2026-02-01', '', ''],
        ['bad id!', `${p}-r`, 'x', '1.5', '5%', '2026-01-01', '2026-02-01', '', ''],
        [`${p}-short`, `${p}-r`],
      ]),
    });
    expect(job).toMatchObject({ status: 'done', rowsTotal: 9, rowsOk: 2, rowsFailed: 7 });
    const byRow = (row: number) =>
      job.errors
        .filter((e: { row: number }) => e.row === row)
        .map((e: { field: string }) => e.field)
        .sort();
    expect(byRow(2)).toEqual(['points_cost', 'title']);
    expect(byRow(3)).toEqual(['valid_until']);
    expect(byRow(4)).toEqual(['max_redemptions', 'valid_from', 'zips']);
    expect(byRow(5)).toEqual(['retailer_external_id']);
    expect(byRow(7)).toEqual(['external_id']);
    expect(job.errors.find((e: { row: number }) => e.row === 7).message).toBe('duplicates row 1');
    expect(byRow(8)).toEqual(['external_id', 'points_cost']);
    expect(byRow(9)).toEqual(['(row)']);
    expect(await prisma.rewardsOffer.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(2);
    expect((await prisma.rewardsOffer.findUniqueOrThrow({ where: { externalId: `${p}-ok1` } })).title).toBe(
      'Good',
    );

    const res = await fetch(`${t.url}/api/v1/admin/etl/jobs/${jobId}/errors.csv`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('row,field,message');
    expect(lines).toHaveLength(1 + job.errors.length);
    expect(lines).toContain('5,retailer_external_id,refers to an unknown parent (load it first)');
  });

  it('rejects bad retailer, municipality, scheme, charity and officer fields', async () => {
    const p = uid();
    const r = await load(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([
        RETAILER_HEADER,
        [`${p}-1`, 'A', 'http://plain.example.com', 'not-an-email', '1234'],
        [`${p}-2`, 'B', 'https://b.example.com', 'b@b.example', 'ABCDE'],
      ]),
    });
    expect(r.job.errors).toEqual([
      { row: 1, field: 'contact_email', message: 'must be an e-mail address' },
      { row: 1, field: 'website', message: 'must be an https:// URL' },
      { row: 1, field: 'zip', message: 'must be a 5-digit US ZIP' },
      { row: 2, field: 'zip', message: 'must be a 5-digit US ZIP' },
    ]);
    const m = await load(t, admin.accessToken, {
      kind: 'municipalities',
      content: csv([
        ['external_id', 'name', 'state', 'zips'],
        [`${p}-m`, 'X', 'ZZ', ''],
      ]),
    });
    expect(m.job.errors.map((e: { field: string }) => e.field)).toEqual(['state', 'zips']);
    const s = await load(t, admin.accessToken, {
      kind: 'schemes',
      content: csv([
        ['external_id', 'municipality_external_id', 'title', 'multiplier', 'valid_from', 'valid_until'],
        [`${p}-s`, `${p}-none`, 'T', '0', '2026-01-01', '2026-02-01'],
        [`${p}-s2`, `${p}-none`, 'T', '2', '2026-01-01', '2026-02-01'],
      ]),
    });
    expect(s.job.errors).toEqual([
      { row: 1, field: 'multiplier', message: 'must be a number greater than 0 and at most 10' },
      { row: 2, field: 'municipality_external_id', message: 'refers to an unknown parent (load it first)' },
    ]);
    const c = await load(t, admin.accessToken, {
      kind: 'charities',
      content: csv([
        ['external_id', 'name', 'description', 'website', 'ein'],
        [`${p}-c`, 'C', 'D', 'https://c.example.org', '12-34'],
      ]),
    });
    expect(c.job.errors).toEqual([{ row: 1, field: 'ein', message: 'must be an EIN (NN-NNNNNNN)' }]);
    const o = await load(t, admin.accessToken, {
      kind: 'officers',
      content: csv([
        ['badge_number', 'email', 'first_name', 'last_name', 'precinct', 'zip'],
        ['', 'x@y.example', 'A', '', '1st', '10001'],
      ]),
    });
    expect(o.job.errors.map((e: { field: string }) => e.field)).toEqual(['badge_number', 'last_name']);
    expect(await prisma.rewardsRetailer.count({ where: { externalId: { startsWith: p } } })).toBe(0);
  });

  it('re-uploading the same file changes nothing', async () => {
    const p = uid();
    const content = csv([
      RETAILER_HEADER,
      ...[1, 2, 3, 4, 5].map((i) => [
        `${p}-${i}`,
        `Shop ${i}`,
        `https://s${i}.example.com`,
        `s${i}@s.example`,
        '10001',
      ]),
    ]);
    await load(t, admin.accessToken, { kind: 'retailers', content });
    const snapshot = async () =>
      (
        await prisma.rewardsRetailer.findMany({
          where: { externalId: { startsWith: p } },
          orderBy: { externalId: 'asc' },
        })
      ).map(({ updatedAt: _u, ...r }) => r);
    const before = await snapshot();
    const again = await load(t, admin.accessToken, { kind: 'retailers', content });
    expect(again.job).toMatchObject({ status: 'done', rowsOk: 5, rowsFailed: 0 });
    expect(await snapshot()).toEqual(before);
    expect(before).toHaveLength(5);
  });

  it('a dry run validates and reports without writing', async () => {
    const p = uid();
    const { job } = await load(t, admin.accessToken, {
      kind: 'retailers',
      dryRun: true,
      content: csv([
        RETAILER_HEADER,
        [`${p}-1`, 'Shop', 'https://s.example.com', 's@s.example', '10001'],
        [`${p}-2`, '', 'https://s.example.com', 's@s.example', '10001'],
      ]),
    });
    expect(job).toMatchObject({
      status: 'done',
      dryRun: true,
      rowsTotal: 2,
      rowsOk: 1,
      rowsFailed: 1,
      errors: [{ row: 2, field: 'name', message: 'is required' }],
    });
    expect(await prisma.rewardsRetailer.count({ where: { externalId: { startsWith: p } } })).toBe(0);
    const dryOffers = await load(t, admin.accessToken, {
      kind: 'offers',
      dryRun: 'true',
      content: csv([OFFER_HEADER, [`${p}-o`, `${p}-1`, 'T', '5', '5%', '2026-01-01', '2026-02-01', '', '']]),
    });
    expect(dryOffers.job.errors).toEqual([
      { row: 1, field: 'retailer_external_id', message: 'refers to an unknown parent (load it first)' },
    ]);
  });

  it('loads the rest of a CSV with one malformed line and reports that line in errors and errors.csv', async () => {
    const p = uid();
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${p}-${i + 1},Shop ${i + 1},https://s${i + 1}.example.com,s${i + 1}@s.example,10001`,
    );
    rows[24] = `${p}-25,"Unclosed,https://a.example.com,a@a.example,10001`;
    const { jobId, job } = await load(t, admin.accessToken, {
      kind: 'retailers',
      content: `${RETAILER_HEADER.join(',')}\r\n${rows.join('\r\n')}\r\n`,
    });
    expect(job).toMatchObject({ status: 'done', rowsTotal: 40, rowsOk: 39, rowsFailed: 1 });
    expect(job.errors).toEqual([
      { row: 25, field: '(row)', message: 'malformed CSV at line 26: a quoted field is never closed' },
    ]);
    expect(await prisma.rewardsRetailer.count({ where: { externalId: { startsWith: `${p}-` } } })).toBe(39);
    const res = await fetch(`${t.url}/api/v1/admin/etl/jobs/${jobId}/errors.csv`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect((await res.text()).trim().split('\r\n')).toEqual([
      'row,field,message',
      '25,(row),malformed CSV at line 26: a quoted field is never closed',
    ]);
  });

  it('refuses a file that is not UTF-8 text (UTF-16, Latin-1) at upload, and starts no job', async () => {
    const before = await prisma.etlJob.count();
    const utf16 = await upload(t, admin.accessToken, {
      kind: 'retailers',
      content: Buffer.from(
        `\ufeff${RETAILER_HEADER.join(',')}\r\nx,y,https://z.example.com,a@a.example,10001\r\n`,
        'utf16le',
      ),
    });
    expect(utf16).toMatchObject({ status: 400, body: { code: 'UNREADABLE_FILE' } });
    const latin1 = await upload(t, admin.accessToken, {
      kind: 'retailers',
      content: Buffer.from(
        `${RETAILER_HEADER.join(',')}\r\nx,Caf\xe9,https://z.example.com,a@a.example,10001\r\n`,
        'latin1',
      ),
    });
    expect(latin1).toMatchObject({ status: 400, body: { code: 'UNREADABLE_FILE' } });
    expect(await prisma.etlJob.count()).toBe(before);
  });

  it('refuses wrong content types, empty files, missing columns and bad fields', async () => {
    const png = await upload(t, admin.accessToken, {
      kind: 'retailers',
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      contentType: 'image/png',
      filename: 'x.png',
    });
    expect(png).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const json = await api(t, 'POST', '/admin/etl/uploads', {
      token: admin.accessToken,
      body: { kind: 'retailers' },
    });
    expect(json.status).toBe(415);
    const empty = await upload(t, admin.accessToken, { kind: 'retailers', content: '' });
    expect(empty).toMatchObject({ status: 400, body: { code: 'EMPTY_FILE' } });
    const missing = await upload(t, admin.accessToken, {
      kind: 'retailers',
      content: 'external_id,name,website\r\nx,y,https://z.example.com\r\n',
    });
    expect(missing).toMatchObject({
      status: 400,
      body: { code: 'MISSING_COLUMNS', errors: [{ field: 'contact_email' }, { field: 'zip' }] },
    });
    const badKind = await upload(t, admin.accessToken, { kind: 'pets', content: 'a\r\n1\r\n' });
    expect(badKind).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ field: 'kind' }] },
    });
    const unknownJob = await api(t, 'GET', '/admin/etl/jobs/6f1c1b0e-0000-4000-8000-000000000000', {
      token: admin.accessToken,
    });
    expect(unknownJob).toMatchObject({ status: 404, body: { code: 'ETL_JOB_NOT_FOUND' } });
  });

  it('only admins may upload or read jobs', async () => {
    const citizen = await given.citizen(t);
    const res = await upload(t, citizen.accessToken, { kind: 'retailers', content: csv([RETAILER_HEADER]) });
    expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const anon = await api(t, 'GET', '/admin/etl/jobs/6f1c1b0e-0000-4000-8000-000000000000');
    expect(anon.status).toBe(401);
    const { jobId } = await load(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([RETAILER_HEADER, [`${uid()}`, 'S', 'https://s.example.com', 's@s.example', '10001']]),
    });
    for (const path of [`/admin/etl/jobs/${jobId}`, `/admin/etl/jobs/${jobId}/errors.csv`]) {
      expect((await api(t, 'GET', path, { token: citizen.accessToken })).status).toBe(403);
      expect((await api(t, 'GET', path)).status).toBe(401);
    }
    const officer = await given.officer(t);
    expect(
      (await upload(t, officer.accessToken, { kind: 'retailers', content: csv([RETAILER_HEADER]) })).status,
    ).toBe(403);
  });

  it('answers 404 for unknown jobs and 400 for ids that are not UUIDs, on the view and the CSV', async () => {
    const unknown = '6f1c1b0e-0000-4000-8000-000000000000';
    const csvRes = await api(t, 'GET', `/admin/etl/jobs/${unknown}/errors.csv`, { token: admin.accessToken });
    expect(csvRes).toMatchObject({ status: 404, body: { code: 'ETL_JOB_NOT_FOUND' } });
    for (const path of ['/admin/etl/jobs/42', '/admin/etl/jobs/42/errors.csv'])
      expect(await api(t, 'GET', path, { token: admin.accessToken })).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED', errors: [{ field: 'id' }] },
      });
  });

  it('refuses a bad dryRun, a file under another field name and fields it does not know', async () => {
    const content = csv([RETAILER_HEADER]);
    const dry = await upload(t, admin.accessToken, { kind: 'retailers', content, dryRun: 'maybe' });
    expect(dry).toMatchObject({ status: 400, body: { errors: [{ field: 'dryRun' }] } });
    const extra = await upload(t, admin.accessToken, {
      kind: 'retailers',
      content,
      extraFields: { owner: 'me' },
    });
    expect(extra).toMatchObject({ status: 400, body: { errors: [{ field: 'owner' }] } });
    const form = new FormData();
    form.append('kind', 'retailers');
    form.append('upload', new Blob([content], { type: 'text/csv' }), 'r.csv');
    const wrongField = await fetch(`${t.url}/api/v1/admin/etl/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}` },
      body: form,
    });
    expect(wrongField.status).toBe(400);
    expect(await wrongField.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'upload' }],
    });
    const noKind = await upload(t, admin.accessToken, { content });
    expect(noKind).toMatchObject({ status: 400, body: { errors: [{ field: 'kind' }] } });
    expect(await prisma.etlJob.count({ where: { createdBy: admin.accountId, fileName: 'r.csv' } })).toBe(0);
  });

  it('audits reading a job and downloading its errors', async () => {
    const { jobId } = await load(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([RETAILER_HEADER, [`${uid()}`, '', 'https://s.example.com', 's@s.example', '10001']]),
    });
    await api(t, 'GET', `/admin/etl/jobs/${jobId}/errors.csv`, { token: admin.accessToken });
    const actions = (
      await prisma.iamAuditEntry.findMany({ where: { targetId: jobId }, select: { action: true } })
    ).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(['etl_upload', 'etl_job_viewed', 'etl_errors_downloaded']),
    );
  });

  it('emits EtlJobCompleted through the outbox', async () => {
    const { jobId } = await load(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([RETAILER_HEADER, [`${uid()}`, 'S', 'https://s.example.com', 's@s.example', '10001']]),
    });
    const events = await eventually(
      () => prisma.outboxEvent.findMany({ where: { type: 'EtlJobCompleted' } }),
      (rows) => rows.some((r) => (r.payload as { jobId: string }).jobId === jobId),
    );
    expect(events.find((r) => (r.payload as { jobId: string }).jobId === jobId)!.payload).toMatchObject({
      jobId,
      kind: 'retailers',
      status: 'done',
      rowsOk: 1,
      rowsFailed: 0,
    });
  });
});

describe('ETL upload limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ETL_MAX_UPLOAD_BYTES: '4096' });
  });
  afterAll(() => t.close());

  it('answers 413 for a file over the configured limit and keeps nothing', async () => {
    const admin = await given.admin(t);
    const big = csv([
      RETAILER_HEADER,
      ...Array.from({ length: 200 }, (_, i) => [
        `big-${i}`,
        'Shop',
        'https://s.example.com',
        's@s.example',
        '10001',
      ]),
    ]);
    expect(big.length).toBeGreaterThan(4096);
    const res = await upload(t, admin.accessToken, { kind: 'retailers', content: big });
    expect(res).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await t.app.get(PrismaService).etlJob.count()).toBe(0);
  });
});

import { randomBytes } from 'node:crypto';
import { IamApi } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connectionEvent, earn, ledgerBalance, publish } from '../rewards/rewards-fixtures.js';
import { csv, load } from './etl-support.js';

/**
 * Issue 23, "retiring partners": ETL rows may carry `active`; `active=false` takes a retailer,
 * offer, municipality, scheme or charity out of the app's lists (vouchers already issued stay
 * valid), and a roster officer out of the officer role. One test per kind, through real uploads.
 */
describe('ETL: retiring partners with active=false', () => {
  let t: TestApp;
  let admin: SignedIn;
  let citizen: SignedIn;
  let prisma: PrismaService;
  const uid = () => randomBytes(4).toString('hex');
  const RETAILERS = ['external_id', 'name', 'website', 'contact_email', 'zip', 'active'];
  const OFFERS = [
    'external_id',
    'retailer_external_id',
    'title',
    'points_cost',
    'discount',
    'valid_from',
    'valid_until',
    'max_redemptions',
    'zips',
    'active',
  ];
  const MUNICIPALITIES = ['external_id', 'name', 'state', 'zips', 'active'];
  const SCHEMES = [
    'external_id',
    'municipality_external_id',
    'title',
    'multiplier',
    'valid_from',
    'valid_until',
    'active',
  ];
  const CHARITIES = ['external_id', 'name', 'description', 'website', 'ein', 'active'];
  const from = '2026-01-01';
  const until = '2099-01-01';

  beforeAll(async () => {
    t = await startTestApp();
    prisma = t.app.get(PrismaService);
    [admin, citizen] = await Promise.all([given.admin(t), given.citizen(t)]);
  });
  afterAll(() => t?.close());

  const loadOk = async (kind: string, rows: string[][], ok = rows.length - 1) => {
    const { job } = await load(t, admin.accessToken, { kind, content: csv(rows) });
    expect(job).toMatchObject({ status: 'done', rowsOk: ok });
    return job;
  };
  const listAll = async (path: string): Promise<Array<{ id: string }>> =>
    (await api(t, 'GET', `${path}${path.includes('?') ? '&' : '?'}limit=100`, { token: citizen.accessToken }))
      .body.items;
  const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

  it('a retired retailer and a retired offer leave the offer list; vouchers already issued still verify and can be used', async () => {
    const p = uid();
    await loadOk('retailers', [
      RETAILERS,
      [`${p}-keep`, `Keep ${p}`, 'https://k.example.com', 'k@k.example', '10001', ''],
      [`${p}-gone`, `Gone ${p}`, 'https://g.example.com', 'g@g.example', '10001', 'true'],
    ]);
    await loadOk('offers', [
      OFFERS,
      [`${p}-o1`, `${p}-keep`, `Kept ${p}`, '10', '5%', from, until, '', '', ''],
      [`${p}-o2`, `${p}-keep`, `Retired ${p}`, '10', '5%', from, until, '', '', 'yes'],
      [`${p}-o3`, `${p}-gone`, `Of gone ${p}`, '10', '5%', from, until, '', '', ''],
    ]);
    const offerId = async (ext: string) =>
      (await prisma.rewardsOffer.findUniqueOrThrow({ where: { externalId: ext } })).id;
    const [o1, o2, o3] = [await offerId(`${p}-o1`), await offerId(`${p}-o2`), await offerId(`${p}-o3`)];
    expect(ids(await listAll('/rewards/offers'))).toEqual(expect.arrayContaining([o1, o2, o3]));

    // A voucher of the retailer about to retire, and its till's key.
    await earn(t, citizen.accountId, 5);
    const voucher = await api(t, 'POST', '/rewards/redemptions', {
      token: citizen.accessToken,
      body: { offerId: o3 },
    });
    expect(voucher.status).toBe(201);
    const gone = await prisma.rewardsRetailer.findUniqueOrThrow({ where: { externalId: `${p}-gone` } });
    const key = (await api(t, 'POST', `/admin/retailers/${gone.id}/keys`, { token: admin.accessToken })).body
      .key;

    await loadOk('retailers', [
      RETAILERS,
      [`${p}-gone`, `Gone ${p}`, 'https://g.example.com', 'g@g.example', '10001', 'false'],
    ]);
    await loadOk('offers', [
      OFFERS,
      [`${p}-o2`, `${p}-keep`, `Retired ${p}`, '10', '5%', from, until, '', '', 'FALSE'],
    ]);

    const listed = ids(await listAll('/rewards/offers'));
    expect(listed).toContain(o1);
    expect(listed).not.toContain(o2);
    expect(listed).not.toContain(o3);
    // Refused at once: o3 was read for the redemption above moments ago, so the redemption
    // path's offer cache (PrismaRedemptions, 5 s) still holds it as active; the write checks
    // `active` itself (rewards_redeem_at_once). o2 was never read. Nothing moves either way.
    const balance = await ledgerBalance(t, citizen.accountId);
    expect(balance).toBeGreaterThanOrEqual(10);
    for (const id of [o3, o2]) {
      const refused = await api(t, 'POST', '/rewards/redemptions', {
        token: citizen.accessToken,
        body: { offerId: id },
        headers: { 'idempotency-key': `retired-${id}` },
      });
      expect([refused.status, refused.body.code]).toEqual([422, 'OFFER_UNAVAILABLE']);
    }
    expect(await ledgerBalance(t, citizen.accountId)).toBe(balance);
    expect(await prisma.rewardsVoucher.count({ where: { accountId: citizen.accountId } })).toBe(1);
    // The admin still sees the retailer, marked inactive; the issued voucher stays good.
    const found = await api(t, 'GET', `/admin/retailers?q=${p}-gone`, { token: admin.accessToken });
    expect(found.body.items).toEqual([expect.objectContaining({ id: gone.id, active: false })]);
    const code = voucher.body.voucher.code;
    const check = await api(t, 'POST', '/vouchers/verify', {
      body: { code },
      headers: { 'x-retailer-key': key },
    });
    expect(check.body).toMatchObject({ valid: true, status: 'issued' });
    expect(
      (await api(t, 'POST', `/vouchers/${code}/use`, { headers: { 'x-retailer-key': key } })).status,
    ).toBe(200);

    // Active again once a row says so.
    await loadOk('offers', [
      OFFERS,
      [`${p}-o2`, `${p}-keep`, `Retired ${p}`, '10', '5%', from, until, '', '', 'true'],
    ]);
    expect(ids(await listAll('/rewards/offers'))).toContain(o2);
  });

  it('refuses a redemption of an offer retired a moment ago (422 OFFER_UNAVAILABLE, balance unchanged), though a redemption just read it', async () => {
    const p = uid();
    await loadOk('retailers', [
      RETAILERS,
      [`${p}-r`, `Shop ${p}`, 'https://s.example.com', 's@s.example', '10001', ''],
    ]);
    const offerRow = (active: string) => [
      OFFERS,
      [`${p}-o`, `${p}-r`, `Soon gone ${p}`, '10', '5%', from, until, '', '', active],
    ];
    await loadOk('offers', offerRow(''));
    const offerId = (await prisma.rewardsOffer.findUniqueOrThrow({ where: { externalId: `${p}-o` } })).id;
    const me = await given.citizen(t);
    await earn(t, me.accountId, 3);
    const redeem = (key: string) =>
      api(t, 'POST', '/rewards/redemptions', {
        token: me.accessToken,
        body: { offerId },
        headers: { 'idempotency-key': key },
      });
    // This redemption leaves the offer in the redemption path's cache as active (PrismaRedemptions).
    expect((await redeem(`${p}-first`)).status).toBe(201);
    const balance = await ledgerBalance(t, me.accountId);
    expect(balance).toBeGreaterThanOrEqual(10);

    await loadOk('offers', offerRow('false'));
    const refused = await redeem(`${p}-after`);
    expect([refused.status, refused.body.code]).toEqual([422, 'OFFER_UNAVAILABLE']);
    expect(await ledgerBalance(t, me.accountId)).toBe(balance);
    expect(await prisma.rewardsVoucher.count({ where: { accountId: me.accountId } })).toBe(1);
    expect(await prisma.rewardsOffer.findUniqueOrThrow({ where: { id: offerId } })).toMatchObject({
      active: false,
    });
    // A repeat of the refused request answers the same refusal (its key remembers it).
    expect((await redeem(`${p}-after`)).body.code).toBe('OFFER_UNAVAILABLE');

    await loadOk('offers', offerRow('true'));
    expect((await redeem(`${p}-again`)).status).toBe(201);
  });

  it('a retired municipality or scheme leaves the scheme list and multiplies no more points', async () => {
    const p = uid();
    const zip = '59001';
    await loadOk('municipalities', [
      MUNICIPALITIES,
      [`${p}-m1`, `Town ${p}`, 'MT', zip, ''],
      [`${p}-m2`, `City ${p}`, 'MT', '59002', '1'],
    ]);
    await loadOk('schemes', [
      SCHEMES,
      [`${p}-s1`, `${p}-m1`, `Bonus ${p}`, '3', from, until, ''],
      [`${p}-s2`, `${p}-m2`, `Other ${p}`, '2', from, until, ''],
    ]);
    const schemeId = async (ext: string) =>
      (await prisma.rewardsScheme.findUniqueOrThrow({ where: { externalId: ext } })).id;
    const [s1, s2] = [await schemeId(`${p}-s1`), await schemeId(`${p}-s2`)];
    expect(ids(await listAll('/rewards/schemes'))).toEqual(expect.arrayContaining([s1, s2]));

    await loadOk('schemes', [SCHEMES, [`${p}-s1`, `${p}-m1`, `Bonus ${p}`, '3', from, until, 'no']]);
    await loadOk('municipalities', [MUNICIPALITIES, [`${p}-m2`, `City ${p}`, 'MT', '59002', '0']]);
    const listed = ids(await listAll('/rewards/schemes'));
    expect(listed).not.toContain(s1);
    expect(listed).not.toContain(s2);
    expect(ids(await listAll(`/rewards/schemes?zip=${zip}`))).toEqual([]);

    // A connection in the retired scheme's ZIP earns what one without a ZIP earns (no 3×).
    const me = await given.citizen(t);
    await publish(
      t,
      connectionEvent({ citizenId: me.accountId, officerId: admin.accountId, zip }),
      connectionEvent({ citizenId: me.accountId, officerId: citizen.accountId, zip: null }),
    );
    const entries = await eventually(
      () => prisma.rewardsLedgerEntry.findMany({ where: { accountId: me.accountId, reason: 'connection' } }),
      (e) => e.length === 2,
      { what: 'connection points' },
    );
    expect(entries[0]!.delta).toBeGreaterThan(0);
    expect(entries[0]!.delta).toBe(entries[1]!.delta);
  });

  it('a retired charity leaves the list and takes no more donations', async () => {
    const p = uid();
    await loadOk('charities', [
      CHARITIES,
      [`${p}-c1`, `Alpha ${p}`, 'A', 'https://a.example.org', '12-3456789', ''],
      [`${p}-c2`, `Beta ${p}`, 'B', 'https://b.example.org', '12-3456780', 'true'],
    ]);
    const c2 = (await prisma.rewardsCharity.findUniqueOrThrow({ where: { externalId: `${p}-c2` } })).id;
    expect(ids(await listAll('/rewards/charities'))).toContain(c2);
    await loadOk('charities', [
      CHARITIES,
      [`${p}-c2`, `Beta ${p}`, 'B', 'https://b.example.org', '12-3456780', 'false'],
    ]);
    expect(ids(await listAll('/rewards/charities'))).not.toContain(c2);
    const officer = await given.officer(t);
    await earn(t, officer.accountId, 1);
    const refused = await api(t, 'POST', '/rewards/donations', {
      token: officer.accessToken,
      body: { charityId: c2, points: 1 },
    });
    expect([refused.status, refused.body.code]).toEqual([404, 'CHARITY_NOT_FOUND']);
  });

  it('a retired roster officer loses the officer role at once (no more windows, off the live map), and a new sign-in stays citizen', async () => {
    const officer = await given.officer(t);
    const spot = { lat: 40.7128, lng: -74.006 };
    expect(
      (await api(t, 'POST', '/connections/availability', { token: officer.accessToken, body: spot })).status,
    ).toBe(201);
    const onMap = async () =>
      (await api(t, 'GET', '/admin/live-map', { token: admin.accessToken })).body.officers.map(
        (o: { accountId: string }) => o.accountId,
      ) as string[];
    expect(await onMap()).toContain(officer.accountId);

    const email = `${officer.login}@dev.heyblue.test`;
    const row = (active: string) => [
      ['badge_number', 'email', 'first_name', 'last_name', 'precinct', 'zip', 'active'],
      ['B-1', email, 'Test', 'Officer', '1st', '10001', active],
    ];
    await loadOk('officers', row('false'));
    expect((await t.app.get(IamApi).getAccount(officer.accountId))?.role).toBe('citizen');
    const refused = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: spot,
    });
    expect(refused.status).toBe(403);
    await eventually(onMap, (ids) => !ids.includes(officer.accountId), {
      what: 'retired officer off the map',
    });
    const change = await prisma.iamAuditEntry.findFirst({
      where: { action: 'role_changed', targetId: officer.accountId },
      orderBy: { seq: 'desc' },
    });
    expect(change?.detail).toEqual({ from: 'officer', to: 'citizen', via: 'officer_roster' });
    // Signing in again does not bring the role back.
    const again = await given.citizen(t, {
      login: officer.login,
      phone: officer.phone,
      deviceId: officer.deviceId,
    });
    expect(again.role).toBe('citizen');

    // An active row restores it.
    await loadOk('officers', row('true'));
    expect((await t.app.get(IamApi).getAccount(officer.accountId))?.role).toBe('officer');
  });

  it('refuses an active cell that is not a flag, row by row, and loads the others', async () => {
    const p = uid();
    const { job } = await load(t, admin.accessToken, {
      kind: 'charities',
      content: csv([
        CHARITIES,
        [`${p}-ok`, `Ok ${p}`, 'A', 'https://a.example.org', '12-3456789', 'false'],
        [`${p}-bad`, `Bad ${p}`, 'B', 'https://b.example.org', '12-3456780', 'maybe'],
      ]),
    });
    expect(job).toMatchObject({ status: 'done', rowsOk: 1, rowsFailed: 1 });
    expect(job.errors).toEqual([{ row: 2, field: 'active', message: 'must be true or false' }]);
    expect(await prisma.rewardsCharity.count({ where: { externalId: `${p}-bad` } })).toBe(0);
    expect((await prisma.rewardsCharity.findUniqueOrThrow({ where: { externalId: `${p}-ok` } })).active).toBe(
      false,
    );
  });
});

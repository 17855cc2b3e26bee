import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { ConnectionEstablished } from '@heyblue/connections';
import { DeadLetterService, OutboxService, PrismaService, type IntegrationEvent } from '@heyblue/platform';
import { ProfileUpdated } from '@heyblue/profile';
import { RewardsApi } from '@heyblue/rewards';
import { connect, offset, sendLocation, settle } from '../connections/socket-client.js';
import { FakePlatforms } from '../social/fake-platforms.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, devEmail, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { launchChromium, signInInBrowser, snap } from './browser.js';

/**
 * The admin dashboard in a real browser (Debian's chromium through playwright-core) against
 * the real API in development mode: sign-in through the dev provider, an upload with a bad
 * row, a report chart, an officer on the live map, a post to the webhook platform, accounts
 * (role, suspend, un-suspend, points adjustments) and the filtered audit trail, retailer keys,
 * dead letters and their replay, and a non-admin turned away. Screenshots go to
 * test-output/admin/.
 */
/** Where the dashboard keeps the session (apps/admin/src/api.ts). */
const SESSION_KEY = 'heyblue.admin.session';

describe('admin dashboard in a browser', () => {
  const fake = new FakePlatforms();
  const adminLogin = `admin-${randomBytes(4).toString('hex')}`;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const sockets: Socket[] = [];
  /** A connection both people consented to share (published in the reports test, attached to a post later). */
  const connectionId = randomUUID();
  /** Accounts the tests need besides the browser's admin, signed in over HTTP while the browser works. */
  let people: Promise<{ admin: SignedIn; officer: SignedIn; citizen: SignedIn; returning: SignedIn }>;
  /** Problems the page logged (a CSP violation, an uncaught error): none are expected. */
  const pageErrors: string[] = [];

  async function publish(...events: IntegrationEvent<object>[]) {
    const outbox = t.app.get(OutboxService);
    await t.app.get(PrismaService).$transaction((tx) => outbox.publish(tx, ...events));
    outbox.kick();
  }
  const openPage = async (name: string) => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    // The page's code is a lazily loaded chunk: wait for it, not only for the heading.
    await page.getByTestId('page-loading').waitFor({ state: 'detached' });
  };

  /** Rewards' ledger entries of kind `adjustment` for an account. */
  const adjustments = (accountId: string) =>
    t.app.get(PrismaService).rewardsLedgerEntry.findMany({
      where: { accountId, reason: 'adjustment' },
      orderBy: { seq: 'asc' },
    });

  /**
   * The points adjustment form: a double click is one adjustment, a retry after a lost answer
   * reuses the form's Idempotency-Key (one adjustment), a claw-back below zero shows
   * INSUFFICIENT_POINTS and changes nothing.
   */
  async function adjustPoints(row: Locator, accountId: string) {
    const keys: string[] = [];
    const onRequest = (req: Request) => {
      if (req.url().endsWith(`/admin/accounts/${accountId}/points-adjustments`))
        keys.push(req.headers()['idempotency-key'] ?? '');
    };
    page.on('request', onRequest);
    try {
      const form = row.getByRole('form', { name: 'Points adjustment' });
      await form.getByLabel('Points (negative to claw back)').fill('25');
      await form.getByLabel('Reason').fill('Welcome bonus (browser test)');
      await form.getByRole('button', { name: 'Adjust points' }).dblclick();
      await form
        .getByTestId('adjusted')
        .filter({ hasText: 'Adjusted by +25 points: the balance is now 25.' })
        .waitFor();
      expect((await adjustments(accountId)).map((e) => e.delta)).toEqual([25]);
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

      // The server applies the claw-back but its answer is lost: the retry is the same request.
      keys.length = 0;
      let applied = 0;
      await page.route(
        `**/api/v1/admin/accounts/${accountId}/points-adjustments`,
        async (route) => {
          applied = (await route.fetch()).status();
          await route.abort('connectionreset');
        },
        { times: 1 },
      );
      await form.getByLabel('Points (negative to claw back)').fill('-5');
      await form.getByLabel('Reason').fill('Duplicate connection (browser test)');
      await form.getByRole('button', { name: 'Adjust points' }).click();
      await form.getByRole('alert').filter({ hasText: 'Network error' }).waitFor();
      expect(applied).toBe(201);
      await form.getByRole('button', { name: 'Adjust points' }).click();
      await form
        .getByTestId('adjusted')
        .filter({ hasText: 'Adjusted by -5 points: the balance is now 20.' })
        .waitFor();
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
      expect((await adjustments(accountId)).map((e) => e.delta)).toEqual([25, -5]);

      // Below zero: refused, shown as such, nothing moves.
      await form.getByLabel('Points (negative to claw back)').fill('-100');
      await form.getByLabel('Reason').fill('Fraud claw-back (browser test)');
      await form.getByRole('button', { name: 'Adjust points' }).click();
      const short = form.getByTestId('insufficient-points');
      await short.waitFor();
      expect(await short.textContent()).toBe(
        'Not enough points: nothing was changed. The balance is 20, so at most 20 points can be taken back.',
      );
      expect(await form.getByTestId('adjusted').count()).toBe(0);
      expect(await t.app.get(RewardsApi).getBalance(accountId)).toBe(20);
      expect(await adjustments(accountId)).toHaveLength(2);
      await snap(page, '08a-points-adjustment');
    } finally {
      page.off('request', onRequest);
    }
  }

  /** The audit filters: actor, action, target, from and to, and a malformed filter's problem. */
  async function filterAudit(targetId: string) {
    const session = JSON.parse(
      (await page.evaluate(`sessionStorage.getItem('${SESSION_KEY}')`)) as string,
    ) as { account: { id: string } };
    const show = () => page.getByRole('button', { name: 'Show audit trail' }).click();
    const audit = page.getByTestId('audit');
    await page.getByLabel('Actor').fill(session.account.id);
    await page.getByLabel('Action').fill('points_adjusted');
    await page.getByLabel('Target id').fill(targetId);
    // Local times (the inputs are datetime-local) far on either side of this test.
    await page.getByLabel('From').fill('2020-01-01T00:00');
    await page.getByLabel('To (before)').fill('2100-01-01T00:00');
    await show();
    await eventually(
      () => audit.getByRole('row').count(),
      (n) => n === 3, // the header and the two adjustments (the refused one wrote nothing)
      { what: 'two points_adjusted entries' },
    );
    const actions = await audit.locator('tbody td:nth-child(2)').allTextContents();
    expect(actions).toEqual(['points_adjusted', 'points_adjusted']);
    expect(await audit.locator('tbody td.detail').first().textContent()).toContain(
      '"reason":"Duplicate connection (browser test)"',
    );
    await snap(page, '08c-audit-filtered');
    // Nothing before the window opens.
    await page.getByLabel('To (before)').fill('2020-01-02T00:00');
    await show();
    await page.getByText('No audit entries match.').waitFor();
    // A malformed filter: the API's problem with the field, never a stack.
    await page.getByLabel('To (before)').fill('');
    await page.getByLabel('Action').fill('Not An Action!');
    await show();
    const alert = page.getByRole('region', { name: 'Audit trail' }).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/action/);
  }

  beforeAll(async () => {
    await fake.start();
    [t, browser] = await Promise.all([
      startTestApp({
        SOCIAL_WEBHOOK_URL: `${fake.url}/hook`,
        SOCIAL_WEBHOOK_SECRET: 'whsec-browser',
        SOCIAL_BACKOFF_MS: '100',
        REPORTING_ROLLUP_EVERY_MS: '200',
      }),
      launchChromium(),
    ]);
    people = (async () => {
      const [admin, officer, citizen, returning] = await Promise.all([
        given.admin(t),
        given.officer(t),
        given.citizen(t),
        given.citizen(t),
      ]);
      return { admin, officer, citizen, returning };
    })();
    people.catch(() => undefined); // awaited (and reported) by the tests that use it
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) pageErrors.push(msg.text());
    });
  }, 180_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await browser?.close();
    if (t) await settle(t);
    await t?.close();
    await fake.stop();
  });

  it('serves the dashboard at /admin with a strict CSP and its routes through the SPA fallback', async () => {
    const res = await fetch(`${t.url}/admin/callback`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const asset = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${t.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${t.url}/admin/assets/missing.js`)).status).toBe(404);
  });

  it('signs an admin in through the dev provider and the SMS code', async () => {
    await page.goto(`${t.url}/admin/`);
    await page
      .getByRole('button', { name: /^Sign in with/ })
      .first()
      .waitFor();
    await snap(page, '01-sign-in');
    await signInInBrowser(page, t, adminLogin, { admin: true, shots: '02' });
    await page.getByRole('heading', { level: 1, name: 'Data uploads' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/uploads');
    // Tokens live in this tab's sessionStorage only.
    const stored = (await page.evaluate(
      `({ session: sessionStorage.getItem('${SESSION_KEY}'), local: Object.keys(localStorage) })`,
    )) as { session: string | null; local: string[] };
    expect(JSON.parse(stored.session!).account.role).toBe('admin');
    expect(stored.local.some((k) => k.includes('session'))).toBe(false);
  });

  it('uploads a CSV with one bad row: the progress bar reaches 100% and the bad row is listed', async () => {
    await openPage('Data uploads');
    const csv = [
      'external_id,name,website,contact_email,zip',
      'r-1,Corner Cafe,https://cafe.example.com,cafe@example.com,10001',
      'r-2,Bad Email Books,https://books.example.com,not-an-email,10002',
      'r-3,Hardware Co,https://hw.example.com,hw@example.com,10003',
    ].join('\n');
    await page.getByLabel('Kind').selectOption('retailers');
    await page
      .getByLabel(/^File/)
      .setInputFiles({ name: 'retailers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('job-status').filter({ hasText: 'done' }).waitFor();
    expect(await page.getByTestId('job-progress').textContent()).toBe('100%');
    expect(await page.getByRole('progressbar', { name: 'Upload progress' }).getAttribute('value')).toBe(
      '100',
    );
    expect(await page.getByTestId('rows-ok').textContent()).toBe('2');
    expect(await page.getByTestId('rows-failed').textContent()).toBe('1');
    const bad = page.getByRole('row').filter({ hasText: 'contact_email' });
    expect(await bad.getByRole('cell').first().textContent()).toBe('2');
    await snap(page, '03-uploads');
    // The full error CSV is fetched with the bearer token and saved from a blob.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /errors\.csv/ }).click(),
    ]);
    const path = await download.path();
    const text = (await import('node:fs')).readFileSync(path, 'utf8');
    expect(text.split(/\r?\n/)[0]).toBe('row,field,message');
    expect(text).toContain('contact_email');
  });

  it('shows a report chart with data, KPI tiles and a breakdown', async () => {
    const [officer, citizen] = [randomUUID(), randomUUID()];
    const now = new Date().toISOString();
    const consent = (accountId: string) =>
      new ProfileUpdated({
        accountId,
        changed: ['shareConsent'],
        displayName: 'Browser test',
        zip: '10001',
        shareConsent: true,
        updatedAt: now,
      });
    await publish(
      consent(officer),
      consent(citizen),
      new ConnectionEstablished(
        {
          connectionId,
          officerId: officer,
          citizenId: citizen,
          establishedAt: now,
          zip: '10001',
          cell: 'dr5r',
        },
        { occurredAt: now },
      ),
    );
    const { admin } = await people;
    await eventually(
      () => api(t, 'GET', '/admin/reports/connections', { token: admin.accessToken }),
      (r) => r.status === 200 && r.body.rows.some((row: { value: number }) => row.value > 0),
      { what: 'the connection rolled up', timeoutMs: 20_000 },
    );
    await openPage('Reports');
    await page.getByLabel('Metric').selectOption('connections');
    const chart = page.getByTestId('chart');
    // Polled from here: page.waitForFunction polls a string with eval inside the page, which the
    // dashboard's CSP (no unsafe-eval) refuses whenever the first check finds no total yet.
    await eventually(
      () => chart.getAttribute('data-total'),
      (total) => Number(total) > 0,
      { what: 'the chart has a total', timeoutMs: 30_000 },
    );
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
    // Chart.js drew on the canvas: some pixel is not blank.
    const painted = await page.evaluate(`(() => {
      const c = document.querySelector('[data-testid="chart"] canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
      return false;
    })()`);
    expect(painted).toBe(true);
    expect(Number(await page.getByTestId('kpi-connections').textContent())).toBeGreaterThan(0);
    await page.getByLabel('Breakdown').selectOption('zip');
    await page.getByTestId('breakdown').getByRole('cell', { name: '10001' }).waitFor();
    await page.getByLabel('Bar').check();
    await snap(page, '04-reports');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect((await import('node:fs')).readFileSync(await download.path(), 'utf8')).toContain('10001');
  });

  it('shows an available officer on the live map after a socket location update', async () => {
    await openPage('Live map');
    expect(await page.getByTestId('officer-marker').count()).toBe(0);
    const { officer } = await people;
    const spot = { lat: 40.7128, lng: -74.006 };
    const opened = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...spot, zip: '10007', minutes: 15 },
    });
    expect(opened.status).toBe(201);
    const socket = await connect(t, officer.accessToken);
    sockets.push(socket);
    expect(await sendLocation(socket, { ...offset(spot, 10, 0), at: new Date().toISOString() })).toEqual({
      ok: true,
    });
    // The page polls every 4 s: the marker shows up without a reload.
    await page.getByTestId('officer-marker').first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('officer-count').textContent()).toBe('1');
    await snap(page, '05-live-map-us');
    await page.getByLabel('Zoom to').selectOption({ label: 'New York, NY' });
    await page.getByTestId('officer-marker').first().waitFor();
    await page.locator('path.counties').waitFor();
    await snap(page, '06-live-map-new-york');
  });

  it('publishes a post about a consented connection to the webhook platform and shows it sent; unconfigured platforms are disabled', async () => {
    await openPage('Social');
    await page.getByRole('checkbox', { name: /webhook/ }).waitFor();
    expect(await page.getByRole('checkbox', { name: /mastodon/ }).isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: /webhook/ }).check();
    const text = `Coffee with the 5th precinct ${randomBytes(3).toString('hex')}`;
    await page.getByLabel('Text').fill(text);
    const picker = page.getByLabel(/^About a connection/);
    await picker.locator(`option[value="${connectionId}"]`).waitFor({ state: 'attached' });
    await picker.selectOption(connectionId);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page
      .getByTestId('delivery-webhook')
      .first()
      .filter({ hasText: 'sent' })
      .waitFor({ timeout: 20_000 });
    expect(fake.to('/hook').some((r) => JSON.parse(r.body).text === text)).toBe(true);
    const { admin } = await people;
    const latest = await api(t, 'GET', '/admin/social/posts?limit=1', { token: admin.accessToken });
    expect(latest.body.items[0]).toMatchObject({
      text,
      connectionId,
      platforms: [{ platform: 'webhook', status: 'sent' }],
    });
    // Dead letters and the event queues have a page of their own (Dead letters).
    expect(
      await page.getByRole('region', { name: /Event queues|Failed deliveries|Dead letters/ }).count(),
    ).toBe(0);
    await snap(page, '07-social');
  });

  it('finds accounts by e-mail, changes a role, suspends, shows API problems and pages the audit trail', async () => {
    await openPage('Accounts & audit');
    const find = async (email: string) => {
      await page.getByLabel('E-mail (exact)').fill(email);
      await page.getByRole('button', { name: 'Find account' }).click();
    };
    // The blind index matches the normalised e-mail, whatever the case typed.
    await find(devEmail(adminLogin).toUpperCase());
    const own = page.getByTestId('account');
    await own.getByTestId('account-role').filter({ hasText: 'admin' }).waitFor();
    // Suspending yourself is refused: the problem's title and detail are shown, never a stack.
    await own.getByRole('button', { name: 'Suspend…' }).click();
    await own.getByRole('button', { name: 'Yes, suspend' }).click();
    const alert = own.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^Unprocessable Content — /);

    const { citizen } = await people;
    await find(devEmail(citizen.login));
    const row = page.getByTestId('account');
    await row.getByTestId('account-role').filter({ hasText: 'citizen' }).waitFor();
    await row.getByLabel('New role').selectOption('officer');
    await row.getByRole('button', { name: 'Change role' }).click();
    await row.getByTestId('account-role').filter({ hasText: 'officer' }).waitFor();
    await row.getByRole('button', { name: 'Suspend…' }).click();
    await row.getByRole('button', { name: 'Yes, suspend' }).click();
    await row.getByTestId('account-status').filter({ hasText: 'suspended' }).waitFor();
    expect(await api(t, 'GET', '/auth/session', { token: citizen.accessToken })).toMatchObject({
      status: 403,
      body: { code: 'ACCOUNT_SUSPENDED' },
    });
    expect(await row.getByRole('button', { name: 'Suspend…' }).count()).toBe(0);

    // Un-suspend: the account signs in again; the sessions the suspension ended stay ended.
    await row.getByRole('button', { name: 'Un-suspend' }).click();
    await row.getByTestId('account-status').filter({ hasText: 'active' }).waitFor();
    await row.getByText(/may sign in again/).waitFor();
    expect((await api(t, 'GET', '/auth/session', { token: citizen.accessToken })).status).toBe(401);
    const back = await given.citizen(t, {
      login: citizen.login,
      phone: citizen.phone,
      deviceId: citizen.deviceId,
    });
    expect(back.accountId).toBe(citizen.accountId);
    expect(await row.getByRole('button', { name: 'Un-suspend' }).count()).toBe(0);

    await adjustPoints(row, citizen.accountId);

    await page.getByLabel('Target id').fill(citizen.accountId);
    await page.getByRole('button', { name: 'Show audit trail' }).click();
    const audit = page.getByTestId('audit');
    for (const action of ['account_suspended', 'account_unsuspended', 'role_changed', 'points_adjusted'])
      await audit.getByRole('cell', { name: action, exact: true }).first().waitFor();
    await filterAudit(citizen.accountId);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page
      .getByRole('button', { name: 'Load older entries' })
      .or(audit.getByRole('row').nth(2))
      .first()
      .waitFor();
    await snap(page, '08-accounts-audit');
    await find('nobody-here@example.com');
    await page.getByText('No account has that e-mail address.').waitFor();
  });

  it('finds a retailer, issues a key shown once, lists keys without it and revokes one (401 at once)', async () => {
    const { retailerId, retailerExternalId } = await (async () => {
      const rewards = t.app.get(RewardsApi);
      const ext = `shop-${randomBytes(3).toString('hex')}`;
      const r = await rewards.upsertRetailer({ externalId: ext, name: `Corner Shop ${ext}` });
      return { retailerId: r.id, retailerExternalId: ext };
    })();
    await openPage('Retailer keys');
    await page.getByLabel('Name or external id').fill(retailerExternalId);
    await page.getByRole('button', { name: 'Find retailers' }).click();
    const card = page.getByTestId('retailer');
    await card.getByRole('heading', { name: new RegExp(retailerExternalId) }).waitFor();
    await card.getByRole('button', { name: 'Issue a key' }).click();
    const shown = card.getByTestId('issued-key');
    await shown.waitFor();
    const key = (await shown.locator('code').textContent())!.trim();
    expect(key).toMatch(/^hbr_[A-Za-z0-9_-]{43}$/);
    const verify = () =>
      api(t, 'POST', '/vouchers/verify', { body: { code: 'UNKNOWN' }, headers: { 'x-retailer-key': key } });
    expect((await verify()).status).toBe(404);
    const table = card.getByTestId('retailer-keys');
    await table.getByRole('cell', { name: `${key.slice(0, 12)}…`, exact: true }).waitFor();
    expect(await table.textContent()).not.toContain(key);
    await snap(page, '08b-retailer-keys');
    await card.getByRole('button', { name: 'I have copied it' }).click();
    await card.getByRole('button', { name: `Revoke ${key.slice(0, 12)}…` }).click();
    await card.getByRole('button', { name: 'Yes, revoke' }).click();
    await card.getByText(/revoked: it is refused from now on/).waitFor();
    expect((await verify()).status).toBe(401);
    expect(
      await t.app
        .get(PrismaService)
        .rewardsRetailerKey.count({ where: { retailerId, revokedAt: { not: null } } }),
    ).toBe(1);
  });

  it('lists pending dead letters of every kind on a page of their own, pages them, replays one and shows a failed replay', async () => {
    const store = t.app.get(DeadLetterService);
    const prisma = t.app.get(PrismaService);
    const replayed: string[] = [];
    // A context's replayer, as social registers for its posts.
    store.registerReplayer('browser', async (dl) => {
      if ((dl.payload as { fail?: boolean }).fail) throw new Error('still down');
      replayed.push(dl.id);
    });
    // Event consumers' dead letters, an hour old: a page of 20 and one more.
    await prisma.deadLetter.createMany({
      data: Array.from({ length: 21 }, (_, i) => ({
        source: 'event',
        target: 'browser-test.consumer',
        eventId: randomUUID(),
        eventType: 'PointsAdjusted',
        payload: {},
        error: `timeout ${i}`,
        attempts: 8,
        failedAt: new Date(Date.now() - 3_600_000 - i * 1_000),
      })),
    });
    await store.record({
      source: 'browser',
      target: 'webhook-ok',
      payload: { n: 1 },
      error: 'HTTP 503 from the webhook\n    at stack',
      attempts: 5,
    });
    await store.record({
      source: 'browser',
      target: 'webhook-bad',
      payload: { fail: true },
      error: 'HTTP 500',
      attempts: 5,
    });
    const ok = await prisma.deadLetter.findFirstOrThrow({ where: { target: 'webhook-ok' } });
    // Any other pending dead letter of this run (none is expected) is listed too.
    const pending = await prisma.deadLetter.count({ where: { replayedAt: null } });
    expect(pending).toBeGreaterThanOrEqual(23);
    expect(pending).toBeLessThanOrEqual(40);

    await openPage('Dead letters');
    const rows = page.getByTestId('dead-letter');
    await rows.filter({ hasText: 'webhook-ok' }).waitFor();
    expect(await rows.count()).toBe(20);
    expect(await rows.filter({ hasText: 'HTTP 503 from the webhook' }).textContent()).not.toContain('stack');
    await page.getByRole('button', { name: 'Load older dead letters' }).click();
    await eventually(
      () => rows.count(),
      (n) => n === pending,
      { what: 'the second page of dead letters' },
    );
    expect(await page.getByRole('button', { name: 'Load older dead letters' }).count()).toBe(0);
    expect(await rows.filter({ hasText: 'browser-test.consumer' }).count()).toBe(21);
    await snap(page, '11-dead-letters');

    await rows
      .filter({ hasText: 'webhook-ok' })
      .getByRole('button', { name: /^Replay/ })
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: /browser → webhook-ok\) sent again/ })
      .waitFor();
    expect(replayed).toEqual([ok.id]);
    await eventually(
      () => rows.filter({ hasText: 'webhook-ok' }).count(),
      (n) => n === 0,
      { what: 'the replayed dead letter off the pending list' },
    );
    const audit = await prisma.iamAuditEntry.findFirst({
      where: { action: 'dead_letter_replayed', targetId: ok.id },
    });
    expect(audit?.userAgent).toMatch(/Chrome/);

    // A replay that fails again: the problem is shown and the dead letter stays pending.
    await rows
      .filter({ hasText: 'webhook-bad' })
      .getByRole('button', { name: /^Replay/ })
      .click();
    const failed = page.getByRole('region', { name: 'Failed deliveries' }).getByRole('alert');
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/failed again; the dead letter stays pending/);
    expect(
      await rows.filter({ hasText: 'webhook-bad' }).getByTestId('dead-letter-status').textContent(),
    ).toBe('pending');

    await page.getByLabel('Include replayed ones').check();
    await rows
      .filter({ hasText: 'webhook-ok' })
      .getByTestId('dead-letter-status')
      .filter({ hasText: /^replayed / })
      .waitFor();
    expect(await rows.filter({ hasText: 'webhook-ok' }).getByRole('button').count()).toBe(0);

    // Beside them, the consumers' lag per event queue (GET /admin/events/queues).
    const queues = page.getByRole('region', { name: 'Event queues' });
    await queues.getByRole('cell', { name: 'events.profile', exact: true }).waitFor();
    expect(await queues.getByRole('columnheader').allTextContents()).toEqual([
      'Queue',
      'Waiting',
      'Active',
      'Retrying',
      'Oldest waiting',
      'Lag p50 / p99',
    ]);
    await snap(page, '12-dead-letters-replayed');
  });

  it('labels every control on every page, starts keyboard navigation with the skip link and fits a tablet', async () => {
    for (const name of [
      'Data uploads',
      'Live map',
      'Reports',
      'Social',
      'Accounts & audit',
      'Retailer keys',
      'Dead letters',
    ]) {
      await openPage(name);
      const unlabelled =
        await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
        .map((el) => el.outerHTML.slice(0, 80))`);
      expect({ page: name, unlabelled }).toEqual({ page: name, unlabelled: [] });
    }
    await page.goto(`${t.url}/admin/reports`);
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    // Tablet width: no page scrolls sideways.
    await page.setViewportSize({ width: 768, height: 1024 });
    try {
      for (const name of [
        'Data uploads',
        'Live map',
        'Reports',
        'Social',
        'Accounts & audit',
        'Retailer keys',
        'Dead letters',
      ]) {
        await openPage(name);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
        expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
        if (name === 'Reports') await snap(page, '10-reports-tablet');
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('signs out, clearing the tokens', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page
      .getByRole('button', { name: /^Sign in with/ })
      .first()
      .waitFor();
    expect(await page.evaluate(`sessionStorage.getItem('${SESSION_KEY}')`)).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('turns a returning non-admin away with a clear refusal (tablet width)', async () => {
    // Registered (phone verified) beforehand, so the browser takes the no-phone-step path.
    const { returning: citizen } = await people;
    const other = await browser.newContext({ viewport: { width: 820, height: 1000 } });
    try {
      const p = await other.newPage();
      await signInInBrowser(p, t, citizen.login, { admin: false, phone: citizen.phone });
      const refusal = p.getByTestId('refusal');
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/administrators.*citizen/);
      expect(await p.evaluate(`sessionStorage.getItem('${SESSION_KEY}')`)).toBeNull();
      expect(await p.getByRole('navigation', { name: 'Sections' }).count()).toBe(0);
      await snap(p, '09-non-admin-refused');
    } finally {
      await other.close();
    }
  });
});

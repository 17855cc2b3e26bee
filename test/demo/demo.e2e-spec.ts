// Smoke test of `npm run demo`: the real simulation (accounts from session:issue's service, admin uploads, sockets,
// requests, rewards) with tiny numbers against a test app in development mode, stopped through
// the same abort path Ctrl-C takes.
import { DevSessionsService } from '@heyblue/iam';
import { PrismaService } from '@heyblue/platform';
import { runDemo, type DemoResult } from '../../scripts/demo/demo.js';
import { CITIES } from '../../scripts/demo/cities.js';
import { GeoIndex } from '../../libs/connections/src/infrastructure/geo-index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, signIn } from '../support/given.js';
import { eventually } from '../support/poll.js';

describe('npm run demo', () => {
  let t: TestApp;
  let result: DemoResult;
  const lines: string[] = [];

  beforeAll(async () => {
    // Reports read rollups; refresh them often so the summary catches up within the test.
    t = await startTestApp({ REPORTING_ROLLUP_EVERY_MS: '200' });
    const stop = new AbortController();
    const started = Date.now();
    result = await runDemo({
      url: t.url,
      officers: 5,
      citizens: 20,
      rate: 50,
      durationS: 0,
      // 15 s of simulation after setup, then the abort Ctrl-C triggers in the CLI.
      signal: stop.signal,
      onStart: () => setTimeout(() => stop.abort(), 15_000),
      // The service behind `npm run cli -- session:issue`, called in the test app: three CLI boots
      // from source would take most of the test's time (the CLI itself has its own tests).
      issueSessions: (role, count) => t.app.get(DevSessionsService).issue(role, count),
      summaryEveryMs: 1_000,
      // As `--devices`: every phone registers for pushes (kept, not sent, in development mode).
      devices: true,
      log: (line) => lines.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${line}`),
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('registers one push device per person, half FCM and half APNs, and the requests and answers are pushed to them', async () => {
    const prisma = t.app.get(PrismaService);
    const devices = await prisma.notificationsDevice.groupBy({ by: ['platform'], _count: { _all: true } });
    expect(Object.fromEntries(devices.map((d) => [d.platform, d._count._all]))).toEqual({
      fcm: 13,
      apns: 12,
    });
    const pushed = await prisma.notificationsPush.findMany({ select: { message: true } });
    const types = new Set(pushed.map((p) => (p.message as { type: string }).type));
    expect(types).toContain('connection.requested');
    expect(types).toContain('connection.accepted');
  });

  it('connects officers and citizens, earns, redeems and donates points, with no errors', () => {
    if (process.env.DEMO_TEST_LOG) process.stderr.write(lines.join('\n') + '\n');
    expect({ errors: result.stats.errors, kinds: result.stats.errorKinds }).toEqual({ errors: 0, kinds: {} });
    expect(result.ok).toBe(true);
    expect(result.stats.windowsOpened).toBeGreaterThanOrEqual(5);
    expect(result.stats.locationUpdates).toBeGreaterThan(0);
    expect(result.stats.connections).toBeGreaterThan(0);
    expect(result.stats.pointsEarned).toBeGreaterThan(0);
    expect(result.stats.vouchers).toBeGreaterThan(0);
    expect(result.stats.donations).toBeGreaterThan(0);
    expect(result.stats.devices).toBe(25);
    expect(result.dashboardUrl).toBe(`${t.url}/admin`);
    // After the load the demo waits for the consumers and checks every profile against the ledger.
    expect(result.consumers).toMatchObject({
      drained: true,
      backlog: 0,
      profilesChecked: 25,
      profilesOffLedger: 0,
    });
    expect(result.consumers!.queues.map((q) => q.queue)).toEqual(expect.arrayContaining(['events.profile']));
    expect(lines.some((l) => /consumers drained [\d.]+ s after the load/.test(l))).toBe(true);
    expect(lines.some((l) => /events\.profile: lag p50 \d+ ms, p99 \d+ ms/.test(l))).toBe(true);
    expect(
      lines.filter((l) => /^[\d.]+s sockets 25 \| updates\/s \d+ \| .* \| errors 0$/.test(l)).length,
    ).toBeGreaterThan(0);
  });

  it('moved points the API can see: reports count the connections, points issued, redeemed and donated', async () => {
    const admin = await signIn(t, { role: 'admin' });
    const { body } = await eventually(
      () => api(t, 'GET', '/admin/reports/summary', { token: admin.accessToken }),
      (r) =>
        r.status === 200 &&
        r.body.connections === result.stats.connections &&
        r.body.pointsRedeemed === result.stats.pointsRedeemed &&
        r.body.pointsDonated === result.stats.pointsDonated,
      { what: 'reporting caught up with the demo', timeoutMs: 20_000 },
    );
    // Every socket push of points.awarded is in the ledger; the last awards may land after the sockets closed.
    expect(body.pointsIssued).toBeGreaterThanOrEqual(result.stats.pointsEarned);
    expect(body.pointsIssued).toBeGreaterThanOrEqual(body.pointsRedeemed + body.pointsDonated);
  });

  it('stopped cleanly: no officer is left available in any city', async () => {
    // Straight from the index: the API answers only around a citizen's own position, and one citizen cannot be in every city.
    const geo = t.app.get(GeoIndex);
    for (const city of CITIES) {
      const found = await geo.search('officer', city, 5000);
      expect({ city: city.name, found }).toEqual({ city: city.name, found: [] });
    }
  });
});

import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { offset, settle } from '../connections/socket-client.js';
import { givenScheme } from '../rewards/rewards-fixtures.js';

/** Places derived on the server from coordinates (no ZIP sent), end to end: schemes, events, reports. */
describe('places: ZIP, county and state from coordinates', () => {
  let t: TestApp;
  let admin: SignedIn;
  const today = new Date().toISOString().slice(0, 10);
  const LINCOLN_PARK = { lat: 41.9214, lng: -87.6513 };
  const DULLES = { lat: 38.9531, lng: -77.4565 };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await given.admin(t);
  });
  afterAll(async () => {
    if (t) await settle(t);
    await t?.close();
  });

  /** An officer opens a window at `spot` (no ZIP), a citizen 40 m away asks, the officer accepts. */
  async function connectAt(spot: { lat: number; lng: number }) {
    const [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    const window = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: spot,
    });
    expect(window.status).toBe(201);
    const presence = await api(t, 'POST', '/connections/presence', {
      token: citizen.accessToken,
      body: offset(spot, 40, 0),
    });
    expect(presence.status).toBe(200);
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    const accepted = await api(t, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(accepted.status).toBe(200);
    const event = await t.app.get(PrismaService).outboxEvent.findFirstOrThrow({
      where: {
        type: 'ConnectionEstablished',
        payload: { path: ['connectionId'], equals: accepted.body.connection.id },
      },
    });
    return {
      officer,
      citizen,
      window: window.body,
      presence: presence.body,
      connection: accepted.body.connection,
      payload: event.payload as Record<string, unknown>,
    };
  }

  const report = (by: string) =>
    api(t, 'GET', `/admin/reports/connections?from=${today}&to=${today}&groupBy=day&by=${by}`, {
      token: admin.accessToken,
    });

  it('a connection in Lincoln Park, Chicago, without a ZIP gets the scheme on 60614 and counts under IL and 606xx', async () => {
    await givenScheme(t, { zips: ['60614'], multiplier: 3, municipality: { name: 'Chicago', state: 'IL' } });
    const c = await connectAt(LINCOLN_PARK);
    expect(c.window.place).toEqual({
      country: 'US',
      state: 'IL',
      county: 'Cook',
      countyFips: '17031',
      zip: '60614',
      zipSource: 'derived',
      zipMismatch: false,
    });
    expect(c.presence.place).toMatchObject({ state: 'IL', zip: '60614' });
    // The event carries areas only: never coordinates.
    expect(c.payload).toMatchObject({
      zip: '60614',
      county: 'Cook',
      countyFips: '17031',
      state: 'IL',
      zipSource: 'derived',
    });
    expect(Object.keys(c.payload).some((k) => /lat|lng|lon/i.test(k))).toBe(false);
    await eventually(
      () => api(t, 'GET', '/rewards/balance', { token: c.citizen.accessToken }),
      (r) => r.body.balance === 30,
      { what: 'citizen points × 3 by the 60614 scheme' },
    );
    const byState = await eventually(
      () => report('state'),
      (r) => r.body.rows?.some((x: { key: string }) => x.key === 'IL'),
      { what: 'IL in the report' },
    );
    expect(byState.body.rows).toContainEqual({ period: today, key: 'IL', value: 1 });
    const byZip = await report('zip');
    expect(byZip.body.rows).toContainEqual({ period: today, key: '60614', value: 1 });
  });

  it('a connection at Dulles airport counts under VA and a 201xx ZIP', async () => {
    const c = await connectAt(DULLES);
    expect(c.payload).toMatchObject({ state: 'VA', countyFips: '51107' });
    expect(c.payload.zip).toMatch(/^201\d\d$/);
    await eventually(
      () => report('state'),
      (r) => r.body.rows?.some((x: { key: string; value: number }) => x.key === 'VA' && x.value === 1),
      {
        what: 'VA in the report',
      },
    );
  });

  it.each([
    ['at sea', { lat: 35, lng: -40 }],
    ['in Canada', { lat: 43.6532, lng: -79.3832 }],
  ])('a connection %s gets no US place, and nothing fails', async (_where, spot) => {
    const c = await connectAt(spot);
    expect(c.window.place).toEqual({
      country: null,
      state: null,
      county: null,
      countyFips: null,
      zip: null,
      zipSource: null,
      zipMismatch: false,
    });
    expect(c.payload).toMatchObject({ zip: null, county: null, state: null });
    // Rewards still awards the unmultiplied points.
    await eventually(
      () => api(t, 'GET', '/rewards/balance', { token: c.citizen.accessToken }),
      (r) => r.body.balance === 10,
      { what: 'plain points' },
    );
  });

  it("keeps a ZIP the officer's app sends, flagged when it belongs to another state than the coordinates", async () => {
    const officer = await given.officer(t);
    const same = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...LINCOLN_PARK, zip: '60601' },
    });
    expect(same.body.place).toMatchObject({
      state: 'IL',
      zip: '60601',
      zipSource: 'app',
      zipMismatch: false,
    });
    const other = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...LINCOLN_PARK, zip: '10001' },
    });
    expect(other.body.place).toMatchObject({
      state: 'IL',
      zip: '10001',
      zipSource: 'app',
      zipMismatch: true,
    });
    const bad = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...LINCOLN_PARK, zip: '6061' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'zip' })]);
  });

  it('a report read right after a connection counts it (the summary and the chart agree within seconds)', async () => {
    const before = (
      await api(t, 'GET', `/admin/reports/summary?from=${today}&to=${today}`, { token: admin.accessToken })
    ).body.connections as number;
    await connectAt(offset(LINCOLN_PARK, 2_000, 0));
    // The rollup runs once a minute; both reads must count the connection well before that.
    const agreed = await eventually(
      async () => {
        const [summary, chart] = await Promise.all([
          api(t, 'GET', `/admin/reports/summary?from=${today}&to=${today}`, { token: admin.accessToken }),
          api(t, 'GET', `/admin/reports/connections?from=${today}&to=${today}&groupBy=day`, {
            token: admin.accessToken,
          }),
        ]);
        return { summary: summary.body.connections as number, chart: chart.body.rows[0]?.value as number };
      },
      (r) => r.summary === before + 1 && r.chart === before + 1,
      { what: 'summary and chart count the new connection', timeoutMs: 10_000 },
    );
    expect(agreed).toEqual({ summary: before + 1, chart: before + 1 });
  });
});

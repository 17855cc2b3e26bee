import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { PrismaService } from '@heyblue/platform';
import { NOTIFICATION_EVENTS, PushDue } from '@heyblue/notifications';
import { publish } from '../rewards/rewards-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeApns, FakeFcm, pushEnv, type ReceivedPush } from '../support/fake-push.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, Inbox, offset, sendLocation, settle } from '../connections/socket-client.js';

const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;
const UUID = /^[0-9a-f-]{36}$/;

/** Whatever a phone's lock screen or the app's push handler could show: no coordinates, phone or e-mail. */
function expectNothingPersonal(push: ReceivedPush, people: SignedIn[]): void {
  const text = push.raw;
  expect(text).not.toMatch(/"(lat|lng|latitude|longitude|distanceM|phone|email|displayName)"/i);
  expect(text).not.toMatch(/-?\d{1,3}\.\d{3,}/); // no coordinate-like decimals
  for (const p of people) {
    expect(text).not.toContain(p.phone);
    expect(text).not.toContain(p.phone.slice(2));
    expect(text).not.toContain(p.login);
  }
  expect(text).not.toContain('@');
}

describe('Notifications: pushes through FCM and APNs (local fakes speaking their protocols)', () => {
  let t: TestApp;
  let fcm: FakeFcm;
  let apns: FakeApns;
  let prisma: PrismaService;
  const sockets: Socket[] = [];
  let spotN = 0;
  /** Each scenario far from the others, so officers and citizens of one never meet another's. */
  const nextSpot = () => ({ lat: 41 + spotN * 0.2, lng: -90 + (spotN++ % 50) * 0.2 });

  beforeAll(async () => {
    [fcm, apns] = await Promise.all([FakeFcm.start(), FakeApns.start()]);
    t = await startTestApp({ ...pushEnv(fcm, apns), PUSH_MAX_ATTEMPTS: '3', PUSH_BACKOFF_MS: '50' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    if (t) await settle(t);
    sockets.forEach((s) => s.close());
    await t?.close();
    await Promise.all([fcm?.close(), apns?.close()]);
  });

  async function device(
    who: SignedIn,
    platform: 'apns' | 'fcm',
    token = platform === 'apns' ? apnsToken() : fcmToken(),
  ) {
    const res = await api(t, 'POST', '/me/devices', { token: who.accessToken, body: { platform, token } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, token };
  }

  /** An officer with a window at `spot` and a citizen present 40 m away (over REST, no socket). */
  async function pairAt(spot: { lat: number; lng: number }) {
    const [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    expect(
      (
        await api(t, 'POST', '/connections/availability', {
          token: officer.accessToken,
          body: { ...spot, minutes: 15 },
        })
      ).status,
    ).toBe(201);
    const presence = await api(t, 'POST', '/connections/presence', {
      token: citizen.accessToken,
      body: offset(spot, 40, 0),
    });
    expect(presence.status).toBe(200);
    return { officer, citizen };
  }

  it('connection.requested wakes every device of the officer with the request id and a generic text', async () => {
    const { officer, citizen } = await pairAt(nextSpot());
    const [a, f] = [await device(officer, 'apns'), await device(officer, 'fcm')];
    const citizensPhone = await device(citizen, 'apns');
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    const requestId = req.body.requestId as string;
    const [viaApns] = await eventually(
      () => apns.to(a.token),
      (l) => l.length > 0,
      { what: 'APNs push' },
    );
    const [viaFcm] = await eventually(
      () => fcm.to(f.token),
      (l) => l.length > 0,
      { what: 'FCM push' },
    );
    for (const push of [viaApns!, viaFcm!]) {
      expect(push).toMatchObject({
        title: 'Connection request',
        body: 'Someone nearby asked to connect with you.',
        data: { type: 'connection.requested', requestId },
      });
      expectNothingPersonal(push, [officer, citizen]);
    }
    expect(apns.to(citizensPhone.token)).toEqual([]);
    // Sent once per device, also after the relay's and the sweeper's later passes.
    await eventually(
      () => prisma.notificationsPush.count({ where: { accountId: officer.accountId, status: 'sent' } }),
      (n) => n === 2,
    );
    expect(fcm.tokensIssued).toBeGreaterThanOrEqual(1);
    expect(apns.refusedJwts).toBe(0);
  });

  it('connection.accepted and connection.declined go to the citizen’s devices, with ids only', async () => {
    const first = await pairAt(nextSpot());
    const phone = await device(first.citizen, 'fcm');
    const req = await api(t, 'POST', '/connections/requests', {
      token: first.citizen.accessToken,
      body: { officerId: first.officer.accountId },
    });
    const accepted = await api(t, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
      token: first.officer.accessToken,
    });
    expect(accepted.status).toBe(200);
    const [push] = await eventually(
      () => fcm.to(phone.token).filter((p) => p.data.type === 'connection.accepted'),
      (l) => l.length > 0,
      { what: 'connection.accepted push' },
    );
    expect(push!.data).toEqual({
      type: 'connection.accepted',
      requestId: req.body.requestId,
      connectionId: accepted.body.connection.id,
    });
    expectNothingPersonal(push!, [first.officer, first.citizen]);

    const second = await pairAt(nextSpot());
    const phone2 = await device(second.citizen, 'apns');
    const req2 = await api(t, 'POST', '/connections/requests', {
      token: second.citizen.accessToken,
      body: { officerId: second.officer.accountId },
    });
    expect(
      (
        await api(t, 'POST', `/connections/requests/${req2.body.requestId}/decline`, {
          token: second.officer.accessToken,
        })
      ).status,
    ).toBe(204);
    const [declined] = await eventually(
      () => apns.to(phone2.token),
      (l) => l.length > 0,
      { what: 'connection.declined push' },
    );
    expect(declined!.data).toEqual({ type: 'connection.declined', requestId: req2.body.requestId });
  });

  it('officers.nearby reaches a citizen’s phone at most once per period, while the socket hears every arriving officer', async () => {
    const spot = nextSpot();
    const citizen = await given.citizen(t);
    const phone = await device(citizen, 'apns');
    const citizenSocket = await connect(t, citizen.accessToken);
    sockets.push(citizenSocket);
    const inbox = new Inbox(citizenSocket);
    expect(
      (await api(t, 'POST', '/connections/presence', { token: citizen.accessToken, body: spot })).status,
    ).toBe(200);
    for (let i = 0; i < 2; i++) {
      const officer = await given.officer(t);
      await api(t, 'POST', '/connections/availability', {
        token: officer.accessToken,
        body: { ...offset(spot, 30 + i * 10, 0), minutes: 15 },
      });
      const s = await connect(t, officer.accessToken);
      sockets.push(s);
      expect(
        await sendLocation(s, { ...offset(spot, 30 + i * 10, 0), at: new Date().toISOString() }),
      ).toEqual({ ok: true });
      await eventually(
        () => inbox.of('officers.nearby'),
        (l) => l.length === i + 1,
        { what: 'officers.nearby on the socket' },
      );
      await eventually(
        () => apns.to(phone.token),
        (l) => l.length >= 1,
        { what: 'officers.nearby push' },
      );
    }
    // The second officer's arrival is told over the socket only: still exactly one push.
    await settle(t);
    const pushes = apns.to(phone.token);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ title: 'Officer nearby', data: { type: 'officers.nearby' } });
    expectNothingPersonal(pushes[0]!, [citizen]);
  });

  it('points.awarded goes to the phone of an account without a live socket, not to one whose app is open', async () => {
    const { officer, citizen } = await pairAt(nextSpot());
    const officerPhone = await device(officer, 'fcm');
    const citizenPhone = await device(citizen, 'fcm');
    const officerSocket = await connect(t, officer.accessToken);
    sockets.push(officerSocket);
    const inbox = new Inbox(officerSocket);
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(
      (
        await api(t, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
          token: officer.accessToken,
        })
      ).status,
    ).toBe(200);
    const [points] = await eventually(
      () => fcm.to(citizenPhone.token).filter((p) => p.data.type === 'points.awarded'),
      (l) => l.length > 0,
      { what: 'points.awarded push to the citizen' },
    );
    expect(points!.data).toEqual({ type: 'points.awarded', points: expect.stringMatching(/^\d+$/) });
    await eventually(
      () => inbox.of('points.awarded'),
      (l) => l.length > 0,
      { what: 'points.awarded on the officer’s socket' },
    );
    await settle(t);
    expect(fcm.to(officerPhone.token).map((p) => p.data.type)).toEqual(['connection.requested']);
  });

  it('removes a device whose token the provider reports invalid (APNs 410, FCM UNREGISTERED)', async () => {
    const { officer, citizen } = await pairAt(nextSpot());
    const dead = await device(officer, 'apns');
    const gone = await device(officer, 'fcm');
    const good = await device(officer, 'apns');
    apns.script(dead.token, 'invalid');
    fcm.script(gone.token, 'invalid');
    await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    await eventually(
      () => apns.to(good.token),
      (l) => l.length === 1,
      { what: 'the good device’s push' },
    );
    const left = await eventually(
      async () =>
        (await api(t, 'GET', '/me/devices', { token: officer.accessToken })).body.map(
          (d: { id: string }) => d.id,
        ),
      (ids) => ids.length === 1,
      { what: 'invalid devices removed' },
    );
    expect(left).toEqual([good.id]);
    expect(apns.attempts.get(dead.token)).toBe(1);
    expect(fcm.attempts.get(gone.token)).toBe(1);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/heyblue_pushes_failed_total\{platform="apns",reason="invalid_token"\} [1-9]/);
    expect(metrics).toMatch(/heyblue_pushes_failed_total\{platform="fcm",reason="invalid_token"\} [1-9]/);
    expect(metrics).toMatch(/heyblue_pushes_sent_total\{platform="apns"\} [1-9]/);
  });

  it('retries 429/5xx with backoff, dead-letters when attempts run out, and an admin replay sends it once', async () => {
    const admin = await given.admin(t);
    const { officer, citizen } = await pairAt(nextSpot());
    const phone = await device(officer, 'apns');
    const other = await device(officer, 'fcm');
    apns.script(phone.token, 503);
    fcm.script(other.token, [429, 503, 'ok']);
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    // FCM recovers within the attempts: delivered once.
    await eventually(
      () => fcm.to(other.token),
      (l) => l.length === 1,
      { what: 'FCM push after retries' },
    );
    const row = await eventually(
      () => prisma.notificationsPush.findFirst({ where: { deviceId: phone.id } }),
      (r) => r?.status === 'dead',
      { what: 'APNs push dead after its attempts', timeoutMs: 30_000 },
    );
    expect(apns.attempts.get(phone.token)).toBeGreaterThanOrEqual(3);
    const letters = await api(t, 'GET', '/admin/dead-letters?limit=100', { token: admin.accessToken });
    const letter = letters.body.items.find(
      (d: { source: string; target: string }) => d.source === 'push' && d.target === 'apns',
    );
    expect(letter).toMatchObject({ source: 'push', target: 'apns', error: expect.stringContaining('503') });
    expect(JSON.stringify(letters.body)).not.toContain(phone.token);

    apns.script(phone.token, 'ok');
    const replay = await api(t, 'POST', `/admin/dead-letters/${letter.id}/replay`, {
      token: admin.accessToken,
    });
    expect(replay.status).toBeLessThan(300);
    const [push] = await eventually(
      () => apns.to(phone.token),
      (l) => l.length === 1,
      { what: 'replayed push' },
    );
    expect(push!.data).toEqual({ type: 'connection.requested', requestId: req.body.requestId });
    expect(row!.eventId).toMatch(UUID);
    await settle(t);
    expect(apns.to(phone.token)).toHaveLength(1);
    expect(fcm.to(other.token)).toHaveLength(1);
    expect(
      (await api(t, 'POST', `/admin/dead-letters/${letter.id}/replay`, { token: admin.accessToken })).body
        .code,
    ).toBe('ALREADY_REPLAYED');
  });

  it('pushes nothing to a device whose session ended, even when the removal broadcast was missed', async () => {
    const { officer, citizen } = await pairAt(nextSpot());
    const phone = await device(officer, 'apns');
    // As if the instance missed IAM's broadcast: the session ends in the database only.
    const session = await prisma.notificationsDevice.findUniqueOrThrow({ where: { id: phone.id } });
    await prisma.iamSession.update({
      where: { id: session.sessionId },
      data: { revokedAt: new Date(), revokedReason: 'logout' },
    });
    await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    await eventually(
      () => prisma.notificationsDevice.count({ where: { id: phone.id } }),
      (n) => n === 0,
      {
        what: 'the ended session’s device dropped at fan-out',
      },
    );
    await settle(t);
    expect(apns.to(phone.token)).toEqual([]);
  });

  it('fans out a batch of due pushes in one delivery: each live device gets each of its account’s pushes once', async () => {
    const people = await Promise.all([given.citizen(t), given.citizen(t), given.citizen(t)]);
    const phones = await Promise.all(
      people.map(async (p) => [await device(p, 'apns'), await device(p, 'fcm')] as const),
    );
    // The third person's session ended (its broadcast missed): both phones it registered go at fan-out.
    const { sessionId } = await prisma.notificationsDevice.findUniqueOrThrow({
      where: { id: phones[2]![0].id },
    });
    await prisma.iamSession.update({
      where: { id: sessionId },
      data: { revokedAt: new Date(), revokedReason: 'logout' },
    });
    const message = (n: number) => ({
      type: NOTIFICATION_EVENTS.pointsAwarded,
      title: 'Hey Blue!',
      body: 'You earned points',
      data: { points: String(n) },
    });
    // Two pushes for each person, all in one commit: the relay hands them over as one batch job.
    const due = people.flatMap((p, k) =>
      [1, 2].map((n) => new PushDue({ accountId: p.accountId, message: message(10 * k + n) })),
    );
    await publish(t, ...due);
    await eventually(
      () => prisma.processedEvent.count({ where: { eventId: { in: due.map((e) => e.id) } } }),
      (n) => n === due.length,
      { what: 'every PushDue applied' },
    );
    await settle(t);
    const got = (platform: 'apns' | 'fcm', token: string) =>
      (platform === 'apns' ? apns : fcm)
        .to(token)
        .map((p) => p.data.points)
        .sort();
    for (const k of [0, 1]) {
      const expected = [String(10 * k + 1), String(10 * k + 2)];
      expect(got('apns', phones[k]![0].token)).toEqual(expected);
      expect(got('fcm', phones[k]![1].token)).toEqual(expected);
    }
    expect([got('apns', phones[2]![0].token), got('fcm', phones[2]![1].token)]).toEqual([[], []]);
    expect(
      await prisma.notificationsDevice.count({ where: { id: { in: phones[2]!.map((d) => d.id) } } }),
    ).toBe(0);
  });
});

describe('Notifications: development mode keeps pushes at GET /dev/push instead of sending', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('lists the pushes kept for a token, newest first, in the contract’s shape', async () => {
    const [officer, citizen] = await Promise.all([given.officer(t), given.citizen(t)]);
    const spot = { lat: 35.1, lng: -100.2 };
    await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...spot, minutes: 15 },
    });
    await api(t, 'POST', '/connections/presence', { token: citizen.accessToken, body: offset(spot, 30, 0) });
    const token = fcmToken();
    await api(t, 'POST', '/me/devices', { token: officer.accessToken, body: { platform: 'fcm', token } });
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    const kept = await eventually(
      async () =>
        (await fetch(`${t.url}/dev/push?token=${encodeURIComponent(token)}`)).json() as Promise<unknown[]>,
      (l) => Array.isArray(l) && l.length === 1,
      { what: 'a kept push' },
    );
    expect(kept[0]).toEqual({
      platform: 'fcm',
      token,
      type: 'connection.requested',
      title: 'Connection request',
      body: 'Someone nearby asked to connect with you.',
      data: { type: 'connection.requested', requestId: req.body.requestId },
      sentAt: expect.any(String),
    });
    expect((await fetch(`${t.url}/dev/push`)).status).toBe(400);
  });
});

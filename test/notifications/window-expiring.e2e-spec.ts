import { randomBytes } from 'node:crypto';
import type Bull from 'bull';
import type { Socket } from 'socket.io-client';
import { PrismaService, QueueFactory } from '@heyblue/platform';
import { AvailabilityService } from '../../libs/connections/src/application/availability.service.js';
import { WINDOW_NOTICE_QUEUE } from '../../libs/connections/src/connections.constants.js';
import { connect, Inbox, settle } from '../connections/socket-client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeApns, FakeFcm, pushEnv, type ReceivedPush } from '../support/fake-push.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';

/** Told 110 s before the end: a two-minute window is told about 10 s after it opens. */
const NOTICE_S = 110;
const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;

describe('Notifications: an officer is told before the availability window ends (availability.expiring)', () => {
  let t: TestApp;
  let fcm: FakeFcm;
  let apns: FakeApns;
  let prisma: PrismaService;
  let notices: Bull.Queue;
  const sockets: Socket[] = [];
  let spotN = 0;
  const nextSpot = () => ({ lat: 33 + spotN * 0.3, lng: -100 + spotN++ * 0.3 });

  beforeAll(async () => {
    [fcm, apns] = await Promise.all([FakeFcm.start(), FakeApns.start()]);
    t = await startTestApp({
      ...pushEnv(fcm, apns),
      PUSH_MAX_ATTEMPTS: '3',
      PUSH_BACKOFF_MS: '50',
      CONNECTIONS_EXPIRING_NOTICE_S: String(NOTICE_S),
    });
    prisma = t.app.get(PrismaService);
    notices = t.app.get(QueueFactory).get(WINDOW_NOTICE_QUEUE);
  });
  afterAll(async () => {
    if (t) await settle(t);
    sockets.forEach((s) => s.close());
    await t?.close();
    await Promise.all([fcm?.close(), apns?.close()]);
  });

  async function device(who: SignedIn, platform: 'apns' | 'fcm') {
    const token = platform === 'apns' ? apnsToken() : fcmToken();
    const res = await api(t, 'POST', '/me/devices', { token: who.accessToken, body: { platform, token } });
    expect(res.status).toBe(201);
    return token;
  }

  async function openWindow(officer: SignedIn, spot: { lat: number; lng: number }, minutes = 2) {
    const res = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...spot, minutes },
    });
    expect(res.status).toBe(201);
    return res.body as { windowId: string; expiresAt: string };
  }

  /** Waits until the window's notice job has run (completed). */
  async function noticeRan(windowId: string): Promise<void> {
    const job = await notices.getJob(`expiring:${windowId}`);
    expect(job).not.toBeNull();
    await eventually(
      () => job!.getState(),
      (s) => s === 'completed',
      { what: `notice of window ${windowId} run`, timeoutMs: 40_000, intervalMs: 200 },
    );
  }

  const pushesTo = (token: string): ReceivedPush[] => [...fcm.to(token), ...apns.to(token)];

  it('tells the officer’s socket and every device once, before the end, with the window id and generic text', async () => {
    const officer = await given.officer(t);
    const [a, f] = [await device(officer, 'apns'), await device(officer, 'fcm')];
    const window = await openWindow(officer, nextSpot());
    const socket = await connect(t, officer.accessToken);
    sockets.push(socket);
    const inbox = new Inbox(socket);

    const [viaApns] = await eventually(
      () => apns.to(a),
      (l) => l.length > 0,
      { what: 'availability.expiring on APNs', timeoutMs: 40_000 },
    );
    const [viaFcm] = await eventually(
      () => fcm.to(f),
      (l) => l.length > 0,
      { what: 'availability.expiring on FCM', timeoutMs: 40_000 },
    );
    for (const push of [viaApns!, viaFcm!]) {
      expect(push).toMatchObject({
        title: 'Availability ending',
        body: 'Your availability window is about to end. Open Hey Blue! to extend it.',
        data: { type: 'availability.expiring', windowId: window.windowId, expiresAt: window.expiresAt },
      });
      expect(push.raw).not.toMatch(/"(lat|lng|zip|phone|email|displayName)"/i);
      expect(push.raw).not.toContain(officer.phone.slice(2));
      // Told at the notice, not when the window opened (ten seconds earlier).
      expect(push.at).toBeGreaterThanOrEqual(Date.parse(window.expiresAt) - NOTICE_S * 1000 - 1_000);
    }
    await eventually(
      () => inbox.of('availability.expiring'),
      (l) => l.length > 0,
      { what: 'availability.expiring on the socket' },
    );
    expect(inbox.of('availability.expiring')).toEqual([
      { windowId: window.windowId, expiresAt: window.expiresAt },
    ]);

    // Once per window: its one notice job has run, and nothing told the devices again.
    await noticeRan(window.windowId);
    await settle(t);
    expect([apns.to(a).length, fcm.to(f).length]).toEqual([1, 1]);
    expect(
      await prisma.notificationsPush.count({ where: { accountId: officer.accountId, status: 'sent' } }),
    ).toBe(2);
  });

  it('a window closed early is not told: its notice is dropped, and a late one finds no window', async () => {
    const officer = await given.officer(t);
    const phone = await device(officer, 'apns');
    const window = await openWindow(officer, nextSpot());
    expect(await notices.getJob(`expiring:${window.windowId}`)).not.toBeNull();
    expect((await api(t, 'DELETE', '/connections/availability', { token: officer.accessToken })).status).toBe(
      204,
    );
    expect(await notices.getJob(`expiring:${window.windowId}`)).toBeNull();
    // A notice that ran anyway (the drop raced it, or failed) tells nobody.
    expect(await t.app.get(AvailabilityService).noticeExpiring(officer.accountId, window.windowId)).toBe(
      false,
    );
    await settle(t);
    expect(pushesTo(phone)).toEqual([]);
    expect(await prisma.notificationsPush.count({ where: { accountId: officer.accountId } })).toBe(0);
  });

  it('a renewed (extended) window is told once, before its new end, and the old notice stays silent', async () => {
    const officer = await given.officer(t);
    const phone = await device(officer, 'fcm');
    const spot = nextSpot();
    const first = await openWindow(officer, spot);
    const renewed = await openWindow(officer, spot);
    expect(renewed.windowId).not.toBe(first.windowId);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));

    const [push] = await eventually(
      () => fcm.to(phone),
      (l) => l.length > 0,
      { what: 'availability.expiring of the renewed window', timeoutMs: 40_000 },
    );
    expect(push!.data).toEqual({
      type: 'availability.expiring',
      windowId: renewed.windowId,
      expiresAt: renewed.expiresAt,
    });
    expect(push!.at).toBeGreaterThanOrEqual(Date.parse(renewed.expiresAt) - NOTICE_S * 1000 - 1_000);
    // Both notices have run: the first found another window and told nobody.
    await noticeRan(first.windowId);
    await noticeRan(renewed.windowId);
    await settle(t);
    expect(fcm.to(phone).map((p) => p.data.windowId)).toEqual([renewed.windowId]);
  });

  it('a window shorter than the notice gets none', async () => {
    const officer = await given.officer(t);
    const window = await openWindow(officer, nextSpot(), 1);
    expect(await notices.getJob(`expiring:${window.windowId}`)).toBeNull();
  });
});

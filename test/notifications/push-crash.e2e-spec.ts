import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeApns, FakeFcm, pushEnv } from '../support/fake-push.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { createTestEnv } from '../support/test-env.js';
import { offset, settle } from '../connections/socket-client.js';

/**
 * A real API process is SIGKILLed right after it answered 201 to a connection request: the push
 * it committed (outbox) must still reach the officer's phone, once, from the instance that
 * takes over. The killed process never sends: in the first case its relay is off (the kill falls
 * between commit and relay), in the second its relay runs but its workers are off (the kill falls
 * between relay and fan-out/send).
 */
describe('Notifications: a push survives an API process SIGKILLed between commit and send', () => {
  let fcm: FakeFcm;
  let apns: FakeApns;

  beforeAll(async () => {
    [fcm, apns] = await Promise.all([FakeFcm.start(), FakeApns.start()]);
  });
  afterAll(async () => {
    await Promise.all([fcm?.close(), apns?.close()]);
  });

  it.each([
    ['before its relay ran', { OUTBOX_RELAY_ENABLED: 'false', EVENT_WORKERS_ENABLED: 'false' }],
    ['after its relay, before any worker', { OUTBOX_RELAY_ENABLED: 'true', EVENT_WORKERS_ENABLED: 'false' }],
  ])(
    'killed %s: the officer’s phone gets connection.requested exactly once',
    async (_case, killedConfig) => {
      const te = await createTestEnv(pushEnv(fcm, apns));
      // Setting up (sign-ins, window, presence, device) on an instance that relays and sends nothing.
      const quiet = { ...pushEnv(fcm, apns), OUTBOX_RELAY_ENABLED: 'false', EVENT_WORKERS_ENABLED: 'false' };
      let setup: TestApp | undefined = await startTestApp(quiet, te);
      let survivor: TestApp | undefined;
      const child = spawn(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', 'test/notifications/fixtures/api-process.ts'],
        {
          env: {
            ...process.env,
            NODE_OPTIONS: '',
            LOG_LEVEL: 'silent',
            ...te.env,
            ...pushEnv(fcm, apns),
            ...killedConfig,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      try {
        const spot = { lat: 33.4, lng: -112.1 };
        const [officer, citizen] = await Promise.all([given.officer(setup), given.citizen(setup)]);
        const token = randomBytes(32).toString('hex');
        expect(
          (
            await api(setup, 'POST', '/me/devices', {
              token: officer.accessToken,
              body: { platform: 'apns', token },
            })
          ).status,
        ).toBe(201);
        expect(
          (
            await api(setup, 'POST', '/connections/availability', {
              token: officer.accessToken,
              body: { ...spot, minutes: 15 },
            })
          ).status,
        ).toBe(201);
        expect(
          (
            await api(setup, 'POST', '/connections/presence', {
              token: citizen.accessToken,
              body: offset(spot, 40, 0),
            })
          ).status,
        ).toBe(200);
        await setup.close();
        setup = undefined;

        const port = await eventually(() => /listening (\d+)/.exec(out)?.[1], Boolean, {
          timeoutMs: 90_000,
          what: `the API process listening (stderr: ${err.slice(-500)})`,
        });
        const killed = { url: `http://127.0.0.1:${port}` } as TestApp;
        const req = await api(killed, 'POST', '/connections/requests', {
          token: citizen.accessToken,
          body: { officerId: officer.accountId },
        });
        expect(req.status).toBe(201);
        child.kill('SIGKILL');
        await once(child, 'exit');
        expect(apns.to(token)).toEqual([]);

        survivor = await startTestApp(pushEnv(fcm, apns), te);
        const [push] = await eventually(
          () => apns.to(token),
          (l) => l.length > 0,
          {
            what: 'the push after the crash',
            timeoutMs: 30_000,
          },
        );
        expect(push!.data).toEqual({ type: 'connection.requested', requestId: req.body.requestId });
        await settle(survivor);
        expect(apns.to(token)).toHaveLength(1);
        expect(
          await survivor.app
            .get(PrismaService)
            .notificationsPush.findMany({ select: { status: true, attempts: true } }),
        ).toEqual([{ status: 'sent', attempts: 1 }]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await setup?.close();
        await survivor?.close();
        await te.drop();
      }
    },
    180_000,
  );
});

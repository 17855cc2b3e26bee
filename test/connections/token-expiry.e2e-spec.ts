import type { Socket } from 'socket.io-client';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { given } from '../support/given.js';
import { connect, disconnected, sendLocation } from './socket-client.js';

describe('connections: a socket does not outlive its access token', () => {
  let t: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // The shortest access token IAM allows (30 s), re-checked every second.
    t = await startTestApp({ IAM_ACCESS_TOKEN_TTL_S: '30', CONNECTIONS_SOCKET_RECHECK_S: '1' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  it('disconnects the socket once the token has expired, and refuses it afterwards', async () => {
    const citizen = await given.citizen(t);
    const s = await connect(t, citizen.accessToken);
    sockets.push(s);
    expect((await sendLocation(s, { lat: 40, lng: -74 })).ok).toBe(true);
    expect(await disconnected(s)).toBe('io server disconnect');
    await expect(connect(t, citizen.accessToken)).rejects.toThrow('UNAUTHORIZED');
  }, 90_000);

  it('disconnects a socket whose account changed role, even when no notice reached this instance', async () => {
    const officer = await given.officer(t);
    const s = await connect(t, officer.accessToken);
    sockets.push(s);
    // Straight in the database: no revocation notice, no event; only the periodic re-check can see it.
    await t.app
      .get(PrismaService)
      .iamAccount.update({ where: { id: officer.accountId }, data: { role: 'citizen' } });
    expect(await disconnected(s)).toBe('io server disconnect');
    const again = await connect(t, officer.accessToken);
    sockets.push(again);
    expect(await sendLocation(again, { lat: 40, lng: -74 })).toMatchObject({ ok: true, nearby: [] });
  }, 30_000);
});

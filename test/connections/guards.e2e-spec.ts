import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { accountRoom, ConnectionsApi } from '@heyblue/connections';
import { ConnectionRequestsService } from '../../libs/connections/src/application/connection-requests.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { connect, disconnected, Inbox, offset, sendLocation } from './socket-client.js';
import { eventually } from '../support/poll.js';

describe('connections: guards', () => {
  let t: TestApp;
  let officer: SignedIn;
  let otherOfficer: SignedIn;
  let citizen: SignedIn;
  const sockets: Socket[] = [];
  const spot = { lat: 41.8781, lng: -87.6298 };

  beforeAll(async () => {
    t = await startTestApp({ CONNECTIONS_LOCATION_RATE_PER_S: '5' });
    [officer, otherOfficer, citizen] = await Promise.all([
      given.officer(t),
      given.officer(t),
      given.citizen(t),
    ]);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t?.close();
  });

  const open = async (who: SignedIn, at = spot) => {
    const res = await api(t, 'POST', '/connections/availability', {
      token: who.accessToken,
      body: { ...at, minutes: 5 },
    });
    expect(res.status).toBe(201);
  };

  it('refuses sockets without a token or with an invalid one', async () => {
    await expect(connect(t, undefined)).rejects.toThrow('UNAUTHORIZED');
    await expect(connect(t, 'hba_not-a-real-token')).rejects.toThrow('UNAUTHORIZED');
  });

  it('keeps each call to its role', async () => {
    const asCitizen = await api(t, 'POST', '/connections/availability', {
      token: citizen.accessToken,
      body: spot,
    });
    expect(asCitizen.status).toBe(403);
    expect(asCitizen.body.code).toBe('FORBIDDEN');
    const asOfficer = await api(t, 'POST', '/connections/requests', {
      token: officer.accessToken,
      body: { officerId: otherOfficer.accountId },
    });
    expect(asOfficer.status).toBe(403);
    const citizenAccepts = await api(t, 'POST', `/connections/requests/${randomUUID()}/accept`, {
      token: citizen.accessToken,
    });
    expect(citizenAccepts.status).toBe(403);
    expect((await api(t, 'GET', '/connections')).status).toBe(401);
    expect((await api(t, 'GET', '/connections/nearby', { token: officer.accessToken })).status).toBe(403);
  });

  it('validates coordinates, window minutes, ZIP and unknown fields (400 with field errors)', async () => {
    for (const body of [
      { lat: 91, lng: 0 },
      { lat: 0, lng: 181 },
      { lat: '1', lng: 2 },
      { lat: 1, lng: 2, minutes: 16 },
      { lat: 1, lng: 2, zip: '1234' },
      { lat: 1, lng: 2, extra: 1 },
    ]) {
      const res = await api(t, 'POST', '/connections/availability', { token: officer.accessToken, body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    const radius = await api(t, 'GET', '/connections/nearby?radius=10', { token: citizen.accessToken });
    expect(radius.status).toBe(400);
    const bad = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: 'nope' },
    });
    expect(bad.status).toBe(400);
  });

  it('refuses a request to an officer without an open window, and one from too far away', async () => {
    const lonely = await given.officer(t);
    expect(
      (await api(t, 'POST', '/connections/presence', { token: citizen.accessToken, body: spot })).status,
    ).toBe(200);
    const unavailable = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: lonely.accountId },
    });
    expect(unavailable.status).toBe(422);
    expect(unavailable.body.code).toBe('OFFICER_NOT_AVAILABLE');

    await open(lonely, offset(spot, 600, 0));
    const far = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: lonely.accountId },
    });
    expect(far.status).toBe(422);
    expect(far.body.code).toBe('TOO_FAR');
  });

  it('lets only the addressed officer answer a request, and only once', async () => {
    await open(officer);
    await open(otherOfficer, offset(spot, 30, 0));
    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(spot, 50, 0),
        })
      ).status,
    ).toBe(200);
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    const dup = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('REQUEST_ALREADY_PENDING');

    const notYours = await api(t, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
      token: otherOfficer.accessToken,
    });
    expect(notYours.status).toBe(403);
    expect(notYours.body.code).toBe('NOT_YOUR_REQUEST');
    const unknown = await api(t, 'POST', `/connections/requests/${randomUUID()}/decline`, {
      token: officer.accessToken,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('REQUEST_NOT_FOUND');

    expect(
      (
        await api(t, 'POST', `/connections/requests/${req.body.requestId}/decline`, {
          token: officer.accessToken,
        })
      ).status,
    ).toBe(204);
    const late = await api(t, 'POST', `/connections/requests/${req.body.requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('REQUEST_NOT_PENDING');
  });

  it('answers REQUEST_EXPIRED once the request is older than its time to live', async () => {
    const svc = t.app.get(ConnectionRequestsService);
    await open(otherOfficer, offset(spot, 30, 0));
    expect(
      (
        await api(t, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(spot, 40, 0),
        })
      ).status,
    ).toBe(200);
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: otherOfficer.accountId },
    });
    expect(req.status).toBe(201);
    // Two minutes and a second later (clock injected into the use case).
    await expect(
      svc.accept(otherOfficer.accountId, req.body.requestId, Date.now() + 121_000),
    ).rejects.toMatchObject({ code: 'REQUEST_EXPIRED' });
  });

  it('answers FORBIDDEN to an admin socket and NO_OPEN_WINDOW to an officer without a window', async () => {
    const [admin, idle] = await Promise.all([given.admin(t), given.officer(t)]);
    const [a, o] = await Promise.all([connect(t, admin.accessToken), connect(t, idle.accessToken)]);
    sockets.push(a, o);
    expect(await sendLocation(a, spot)).toEqual({ ok: false, code: 'FORBIDDEN' });
    expect(await sendLocation(o, spot)).toEqual({ ok: false, code: 'NO_OPEN_WINDOW' });
    // Closing a window that is not open is a no-op, not an error.
    expect((await api(t, 'DELETE', '/connections/availability', { token: idle.accessToken })).status).toBe(
      204,
    );
    expect(a.connected && o.connected).toBe(true);
  });

  it('rate-limits location messages per socket and refuses impossible jumps', async () => {
    const s = await connect(t, citizen.accessToken);
    sockets.push(s);
    const acks = await Promise.all(Array.from({ length: 12 }, () => sendLocation(s, offset(spot, 40, 0))));
    expect(acks.filter((a) => a.ok === true).length).toBeLessThanOrEqual(6);
    expect(acks.filter((a) => a.code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(6);

    const jumper = await given.citizen(t);
    const j = await connect(t, jumper.accessToken);
    sockets.push(j);
    expect((await sendLocation(j, spot)).ok).toBe(true);
    // Chicago → New York a moment later.
    expect(await sendLocation(j, { lat: 40.7128, lng: -74.006 })).toEqual({
      ok: false,
      code: 'IMPLAUSIBLE_MOVE',
    });
    // A reconnect does not reset the speed check.
    j.close();
    const again = await connect(t, jumper.accessToken);
    sockets.push(again);
    expect(await sendLocation(again, { lat: 40.7128, lng: -74.006 })).toEqual({
      ok: false,
      code: 'IMPLAUSIBLE_MOVE',
    });
    expect(await sendLocation(again, { lat: 'x' })).toEqual({ ok: false, code: 'INVALID_LOCATION' });
  });

  it('disconnects the socket of a session that logged out, promptly', async () => {
    const who = await given.citizen(t);
    const s = await connect(t, who.accessToken);
    sockets.push(s);
    const gone = disconnected(s);
    expect((await api(t, 'POST', '/auth/logout', { token: who.accessToken })).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    await expect(connect(t, who.accessToken)).rejects.toThrow('UNAUTHORIZED');
  });

  it('disconnects every socket of a suspended account', async () => {
    const [admin, who] = await Promise.all([given.admin(t), given.officer(t)]);
    const s = await connect(t, who.accessToken);
    sockets.push(s);
    const gone = disconnected(s);
    const res = await api(t, 'POST', `/admin/accounts/${who.accountId}/suspend`, {
      token: admin.accessToken,
      body: {},
    });
    expect(res.status).toBeLessThan(300);
    expect(await gone).toBe('io server disconnect');
  });

  it('lets other contexts push to an account through the ConnectionsApi facade (only that account hears it)', async () => {
    const [who, bystander] = await Promise.all([given.citizen(t), given.citizen(t)]);
    const [s, other] = await Promise.all([connect(t, who.accessToken), connect(t, bystander.accessToken)]);
    sockets.push(s, other);
    const [inbox, otherInbox] = [new Inbox(s), new Inbox(other)];
    expect(accountRoom(who.accountId)).toBe(`a:${who.accountId}`);
    t.app.get(ConnectionsApi).pushToAccount(who.accountId, 'trophy.awarded', { code: 'FIRST' });
    await eventually(
      () => inbox.of('trophy.awarded'),
      (l) => l.length === 1,
      { what: 'push through ConnectionsApi' },
    );
    expect(inbox.of('trophy.awarded')).toEqual([{ code: 'FIRST' }]);
    expect(otherInbox.of('trophy.awarded')).toEqual([]);
  });

  it('documents every Connections route in the OpenAPI document', async () => {
    const res = await fetch(`${t.url}/api/docs-json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const expected: Array<[string, string]> = [
      ['/api/v1/connections/availability', 'post'],
      ['/api/v1/connections/availability', 'delete'],
      ['/api/v1/connections/presence', 'post'],
      ['/api/v1/connections/nearby', 'get'],
      ['/api/v1/connections/requests', 'post'],
      ['/api/v1/connections/requests/{id}/accept', 'post'],
      ['/api/v1/connections/requests/{id}/decline', 'post'],
      ['/api/v1/connections', 'get'],
    ];
    for (const [path, method] of expected) {
      expect(doc.paths[path]?.[method]).toBeDefined();
      expect(doc.paths[path]![method]!.security).toEqual([{ bearer: [] }]);
    }
  });
});

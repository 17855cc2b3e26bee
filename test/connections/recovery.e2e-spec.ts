import { io, type Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, connectListening, Inbox, offset, settle } from './socket-client.js';

/** What socket.io-client keeps to ask for a recovery: the session id and the last packet's offset. */
interface RecoverableSocket {
  _pid?: string;
  _lastOffset?: string;
}

/**
 * A phone switching networks: the officer's socket drops without a goodbye, a citizen's request
 * is pushed meanwhile, and the app reconnects — to the other instance. socket.io's connection
 * state recovery (sessions and missed packets kept in Redis by the streams adapter) delivers
 * the missed `connection.requested` there.
 */
describe('connections: a socket that reconnects gets what it missed, across instances', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, a.testEnv);
  });
  afterAll(async () => {
    if (a) await settle(a);
    sockets.forEach((s) => s.close());
    await b?.close();
    await a?.close();
  });

  it('delivers a connection.requested missed during a short disconnect after the officer reconnects to another instance', async () => {
    const [officer, citizen] = await Promise.all([given.officer(a), given.citizen(b)]);
    const spot = { lat: 47.6062, lng: -122.3321 };
    expect(
      (await api(a, 'POST', '/connections/availability', { token: officer.accessToken, body: spot })).status,
    ).toBe(201);
    expect(
      (
        await api(b, 'POST', '/connections/presence', {
          token: citizen.accessToken,
          body: offset(spot, 40, 0),
        })
      ).status,
    ).toBe(200);

    const { socket: first, inbox: firstInbox } = await connectListening(a, officer.accessToken);
    sockets.push(first);
    // The server's first packet gives the client an offset to resume from.
    const [ready] = await eventually(
      () => firstInbox.of('socket.ready'),
      (l) => l.length === 1,
      {
        what: 'socket.ready',
      },
    );
    expect(ready).toEqual({ recoverableForMs: 120_000 });
    const { _pid: pid } = first as unknown as RecoverableSocket;
    expect(pid).toEqual(expect.any(String));
    const firstId = first.id;

    // The network goes: the transport closes without a socket.io goodbye (the server sees a
    // transport close, not a client disconnect, so it keeps the session).
    const gone = new Promise<string>((resolve) => first.once('disconnect', (reason) => resolve(reason)));
    first.io.engine.close();
    await gone;

    const req = await api(b, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    expect(firstInbox.of('connection.requested')).toEqual([]);

    // Back on another network, through the load balancer to the other instance.
    const { _lastOffset: lastOffset } = first as unknown as RecoverableSocket;
    const again = io(`${b.url}/connections`, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: officer.accessToken, pid, offset: lastOffset ?? '0-0' },
    });
    sockets.push(again);
    const inbox = new Inbox(again);
    await new Promise<void>((resolve, reject) => {
      again.once('connect', () => resolve());
      again.once('connect_error', reject);
    });
    // The same socket id: the server restored the session (socket.io-client's own `recovered` flag
    // only compares with a session it opened itself, and this is a new client Socket).
    expect(again.id).toBe(firstId);
    const [pushed] = await eventually(
      () => inbox.of('connection.requested'),
      (l) => l.length > 0,
      {
        what: 'the missed connection.requested',
      },
    );
    expect(pushed).toMatchObject({ requestId: req.body.requestId, citizen: { id: citizen.accountId } });
    expect(inbox.of('connection.requested')).toHaveLength(1);
    // A recovered socket gets no second socket.ready.
    expect(inbox.of('socket.ready')).toEqual([]);
  });

  it('starts a fresh session (nothing replayed) for a socket that comes back without a valid session', async () => {
    const officer = await given.officer(a);
    const s = io(`${b.url}/connections`, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: officer.accessToken, pid: 'not-a-session', offset: '0-0' },
    });
    sockets.push(s);
    const inbox = new Inbox(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    // A new session is told so (a recovered one is not), and nothing else arrives.
    await eventually(
      () => inbox.of('socket.ready'),
      (l) => l.length === 1,
      { what: 'socket.ready' },
    );
    expect(inbox.events.map((e) => e.event)).toEqual(['socket.ready']);
  });

  it('runs the handshake checks again on a recovery: a revoked token is refused', async () => {
    const officer = await given.officer(a);
    const first = await connect(a, officer.accessToken);
    sockets.push(first);
    const { _pid: pid } = first as unknown as RecoverableSocket;
    const gone = new Promise<string>((resolve) => first.once('disconnect', (reason) => resolve(reason)));
    first.io.engine.close();
    await gone;
    expect((await api(a, 'POST', '/auth/logout', { token: officer.accessToken })).status).toBe(204);
    const again = io(`${b.url}/connections`, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: officer.accessToken, pid, offset: '0-0' },
    });
    sockets.push(again);
    const err = await new Promise<Error & { data?: { code?: string } }>((resolve) =>
      again.once('connect_error', resolve),
    );
    expect(err.data?.code).toBe('UNAUTHORIZED');
  });
});

import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { startTestApp, type TestApp } from '../support/app.js';
import { given } from '../support/given.js';
import { eventually } from '../support/poll.js';

/** A raw TCP connection to the app, with everything it received. */
async function rawConnection(
  t: TestApp,
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, received: () => Buffer.concat(chunks).toString('utf8'), closed };
}

/** Resolves when the server has read the next request's headers (the request is in flight). */
const nextRequest = (server: Server) =>
  new Promise<void>((resolve) => server.once('request', () => resolve()));

/**
 * Shutdown (SIGTERM in production, `app.close()` here) drains HTTP first: it stops accepting,
 * finishes the requests in flight against a database that is still open, and does not wait for
 * connections that carry no request. A hang here fails the test by Jest's timeout.
 */
describe('shutdown drains HTTP connections', () => {
  it('ends at once with a connection that never sent a request and an idle keep-alive one open', async () => {
    const t = await startTestApp({ SHUTDOWN_DRAIN_MS: '600000' });
    const silent = await rawConnection(t);
    const kept = await rawConnection(t);
    kept.socket.write('GET /api/v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await eventually(
      () => kept.received(),
      (s) => s.includes('{"status":"ok"}'),
      { what: 'the liveness answer' },
    );
    expect(kept.received()).toMatch(/connection: keep-alive/i);
    await t.close();
    await Promise.all([silent.closed, kept.closed]);
    expect(silent.received()).toBe('');
  });

  it('answers a request in flight when shutdown began, with PostgreSQL still open, then closes its connection', async () => {
    const t = await startTestApp({ SHUTDOWN_DRAIN_MS: '600000' });
    const citizen = await given.citizen(t);
    const server = t.app.getHttpServer() as Server;
    const client = await rawConnection(t);
    const body = JSON.stringify({ displayName: 'Drained Dana' });
    const arrived = nextRequest(server);
    client.socket.write(
      `PATCH /api/v1/me/profile HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${citizen.accessToken}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await arrived; // headers read; the body comes once shutdown has begun
    const closing = t.app.close();
    await eventually(() => !server.listening, Boolean, { what: 'the server stopped accepting' });
    expect(client.received()).toBe('');
    client.socket.write(body);
    await closing;
    await client.closed; // closed by the server after its answer (the drain limit is 10 minutes)
    const answer = client.received();
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"displayName":"Drained Dana"');
    const db = new pg.Client({ connectionString: t.testEnv.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT display_name FROM profile_profile WHERE id = $1', [
        citizen.accountId,
      ]);
      expect(rows).toEqual([{ display_name: 'Drained Dana' }]);
    } finally {
      await db.end();
      await t.testEnv.drop();
    }
  });

  it('closes a request still unfinished after SHUTDOWN_DRAIN_MS without an answer, and shutdown ends', async () => {
    const t = await startTestApp({ SHUTDOWN_DRAIN_MS: '300' });
    const server = t.app.getHttpServer() as Server;
    const client = await rawConnection(t);
    const arrived = nextRequest(server);
    // A body that never arrives in full: the request stays in flight.
    client.socket.write(
      'POST /api/v1/auth/phone/start HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pho',
    );
    await arrived;
    await t.close();
    await client.closed;
    expect(client.received()).toBe('');
  });
});

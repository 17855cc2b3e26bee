import { io, type Socket } from 'socket.io-client';
import { PrismaService, QueueFactory } from '@heyblue/platform';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';

/** A real socket.io client on the `/connections` namespace (websocket transport, no reconnects). */
export function openSocket(t: TestApp, token: string | undefined): Socket {
  return io(`${t.url}/connections`, {
    path: '/socket.io',
    transports: ['websocket'],
    auth: token === undefined ? {} : { token },
    reconnection: false,
    forceNew: true,
  });
}

/** Connects, or rejects with the server's connect_error. */
export function connect(t: TestApp, token: string | undefined): Promise<Socket> {
  return connected(openSocket(t, token));
}

/**
 * Connects with an Inbox listening from the first packet: the server's `socket.ready` can
 * arrive before a caller awaiting `connect` gets to attach one (several sockets at once).
 */
export async function connectListening(
  t: TestApp,
  token: string | undefined,
): Promise<{ socket: Socket; inbox: Inbox }> {
  const socket = openSocket(t, token);
  const inbox = new Inbox(socket);
  await connected(socket);
  return { socket, inbox };
}

function connected(s: Socket): Promise<Socket> {
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

/** Everything a socket received, by event name, for later assertions. */
export class Inbox {
  readonly events: Array<{ event: string; payload: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any

  constructor(socket: Socket) {
    socket.onAny((event: string, payload: unknown) => this.events.push({ event, payload }));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  of(event: string): any[] {
    return this.events.filter((e) => e.event === event).map((e) => e.payload);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function sendLocation(s: Socket, payload: unknown): Promise<any> {
  return s.timeout(10_000).emitWithAck('location', payload);
}

export type Ack = { ok: true; nearby?: Array<{ officerId: string }> } | { ok: false; code: string };

/**
 * Location traffic from one socket: an update every `everyMs` (under the per-socket rate),
 * drifting a few metres each time, every ack (or its absence within 10 s) recorded.
 */
export function traffic(socket: Socket, start: { lat: number; lng: number }, everyMs = 300) {
  const acks: Array<{ at: number; ack: Ack | 'no answer' }> = [];
  let n = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const ack = await sendLocation(socket, offset(start, (n++ % 10) * 2, 0)).catch(
        () => 'no answer' as const,
      );
      acks.push({ at, ack });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    acks,
    since: (t: number) => acks.filter((a) => a.at >= t),
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Resolves when the socket is disconnected by the server. */
export function disconnected(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    if (!s.connected) return resolve('already');
    s.once('disconnect', (reason) => resolve(reason));
  });
}

/** Offsets a position by metres north/east. */
export function offset(
  p: { lat: number; lng: number },
  northM: number,
  eastM: number,
): { lat: number; lng: number } {
  return {
    lat: p.lat + northM / 111_320,
    lng: p.lng + eastM / (111_320 * Math.cos((p.lat * Math.PI) / 180)),
  };
}

/**
 * Waits until the outbox is relayed and every event queue is idle, so a test app never shuts
 * down while a consumer (ours or another context's) is mid-flight.
 */
export async function settle(t: TestApp): Promise<void> {
  const prisma = t.app.get(PrismaService);
  const queues = t.app.get(QueueFactory);
  await eventually(
    async () => {
      const pending = await prisma.outboxEvent.count({ where: { dispatchedAt: null } });
      let busy = 0;
      // Sequential: bull adds a listener per concurrent call. Delayed retries of failing consumers are not waited for.
      for (const q of queues.all()) {
        const c = await q.getJobCounts();
        busy += c.waiting + c.active;
      }
      return pending + busy;
    },
    (n) => n === 0,
    { what: 'outbox relayed and event queues idle', timeoutMs: 30_000 },
  );
}

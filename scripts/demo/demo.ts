// `npm run demo`: officers and citizens in three cities, driven only through the public REST API
// and the socket.io namespace, as the mobile apps would. Officers open availability windows and
// patrol; citizens wander, see officers nearby, walk up to one and ask to connect; officers
// accept or decline; points are awarded; citizens redeem vouchers; officers donate. Every
// loop is bounded by the duration (or the abort signal) and by a budget of location updates per
// second; every failure is counted and shown.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { around } from '../../bench/connections/metros.js';
import {
  BUILT_CLI,
  issueSessions,
  upload,
  waitForIdleQueues,
  type IssuedSession,
} from '../../bench/support/harness.js';
import { connectSocket } from '../../bench/support/socket.js';
import { CITIES, cityByName, partnerFiles, type City } from './cities.js';

export interface DemoOptions {
  /** Base URL of the API; only loopback hosts are accepted. */
  url: string;
  officers?: number;
  citizens?: number;
  /** Location updates per second over all sockets (the pace of the whole city). */
  rate?: number;
  /** Seconds to simulate; 0 runs until `signal` aborts. */
  durationS?: number;
  /** City names (default New York, Chicago, Los Angeles). */
  cities?: string[];
  /** Stops the simulation early (Ctrl-C); the demo still closes windows and sockets. */
  signal?: AbortSignal;
  /** How `session:issue` is run: command prefix (default the built CLI) and extra environment. */
  cli?: string[];
  cliEnv?: Record<string, string>;
  /**
   * Replaces the CLI runs with another source of sessions (the smoke test calls the service
   * behind `session:issue` in its app, saving three CLI boots).
   */
  issueSessions?: (role: 'admin' | 'officer' | 'citizen', count: number) => Promise<IssuedSession[]>;
  /** Milliseconds between summary lines (default 2000). */
  summaryEveryMs?: number;
  /** Above this share of failed operations the result is not ok (default 0.01). */
  maxErrorRate?: number;
  /** Seconds the consumers get to drain after the load stops before the demo fails (default 30). */
  drainTimeoutS?: number;
  /** Called once setup is done and the simulation starts (e.g. to arm a timer on `signal`). */
  onStart?: () => void;
  /** Where progress and summary lines go (default stderr). */
  log?: (line: string) => void;
  /**
   * Registers one push device per officer and citizen session (`POST /me/devices`, half FCM, half
   * APNs, random tokens) before the simulation starts, as a real phone does (default false).
   */
  devices?: boolean;
}

export interface DemoStats {
  sockets: number;
  /** Push devices registered (with `devices`). */
  devices: number;
  locationUpdates: number;
  windowsOpened: number;
  windowsClosed: number;
  requests: number;
  connections: number;
  declined: number;
  requestsExpired: number;
  pointsEarned: number;
  vouchers: number;
  pointsRedeemed: number;
  donations: number;
  pointsDonated: number;
  tokenRefreshes: number;
  reconnects: number;
  /** Setup steps tried a second time (each is logged). */
  retries: number;
  /** Answers the API gives in normal play (e.g. an officer's window closed before the request). */
  refused: Record<string, number>;
  operations: number;
  errors: number;
  /** Error counts by what failed (e.g. `POST /connections/requests 500 INTERNAL_ERROR`). */
  errorKinds: Record<string, number>;
}

/** What the consumers did with the demo's events once the load stopped (issue #27). */
export interface ConsumerCheck {
  /** Every event queue and the outbox were empty within the bound (30 s by default). */
  drained: boolean;
  /** Seconds from the end of the load until they were (or until the bound). */
  drainS: number;
  /** Deliveries still queued or outbox rows not relayed when the check gave up (0 when drained). */
  backlog: number;
  /** Per queue: recent commit-to-applied lag (this API instance) and the oldest waiting delivery. */
  queues: Array<{ queue: string; p50Ms: number | null; p99Ms: number | null; oldestWaitingSeconds: number }>;
  /** Accounts whose profile balance (GET /me) differs from the ledger (GET /rewards/balance). */
  profilesChecked: number;
  profilesOffLedger: number;
  /** A few of them: `<accountId> profile <n> ledger <m>`. */
  offLedger: string[];
}

export interface DemoResult {
  stats: DemoStats;
  /** errors / operations */
  errorRate: number;
  /** The consumers drained and every profile agrees with the ledger (null when the demo stopped before the load). */
  consumers: ConsumerCheck | null;
  ok: boolean;
  /** The last summary line. */
  summary: string;
  dashboardUrl: string;
  elapsedS: number;
}

export const DEFAULTS = {
  officers: 200,
  citizens: 2000,
  rate: 100,
  durationS: 0,
  summaryEveryMs: 2000,
  maxErrorRate: 0.01,
  drainTimeoutS: 30,
} as const;

interface LatLng {
  lat: number;
  lng: number;
}

interface Agent {
  index: number;
  session: IssuedSession;
  /** The client address this simulated phone claims (X-Forwarded-For): every phone has its own. */
  ip: string;
  city: City;
  zip: string;
  pos: LatLng;
  socket?: Socket;
  /** A location message is awaiting its ack. */
  sending: boolean;
  nextAt: number;
  refreshing: boolean;
  /** The token changed since the socket connected: a server disconnect is expected, not an error. */
  tokenRotated: boolean;
  balance: number;
}

interface Officer extends Agent {
  post: LatLng;
  window: 'closed' | 'opening' | 'open' | 'closing';
  reopenAt: number;
  answering: number;
  donating: boolean;
}

interface Target {
  officerId: string;
  pos: LatLng;
}

interface Citizen extends Agent {
  state: 'idle' | 'approaching' | 'requesting' | 'waiting';
  target?: Target;
  requestId?: string;
  waitUntil: number;
  cooldownUntil: number;
  tooFar: number;
  /** Officers met or who declined: not asked again in this run. */
  done: Set<string>;
  /** Answers that arrived on the socket before the request's HTTP answer. */
  early: Map<string, 'accepted' | 'declined'>;
  redeeming: boolean;
}

interface Offer {
  id: string;
  pointsCost: number;
}

const M_PER_DEG = 111_320;
const CITY_RADIUS_M = 3_000;
const OFFICER_STEP_M = 20;
const CITIZEN_STEP_M = 25;
/** Below the API's jump slack (CONNECTIONS_JUMP_SLACK_M, 100 m), so any step is plausible whatever the interval. */
const APPROACH_STEP_M = 80;
/** Officer positions in nearby answers are rounded to ~100 m; 40 m from that keeps the pair well within 200 m. */
const ASK_WITHIN_M = 40;
const MAX_INFLIGHT = 48;
/**
 * Location messages awaiting their ack at most: when the API slows down (a busy machine), the
 * demo sends fewer updates instead of piling them up until everything times out.
 */
const MAX_PENDING_ACKS = 64;
const HTTP_TIMEOUT_MS = 15_000;
const ACK_TIMEOUT_MS = 10_000;

function distanceM(a: LatLng, b: LatLng): number {
  const dLat = (b.lat - a.lat) * M_PER_DEG;
  const dLng = (b.lng - a.lng) * M_PER_DEG * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot(dLat, dLng);
}

function moveToward(from: LatLng, to: LatLng, maxM: number): LatLng {
  const d = distanceM(from, to);
  if (d <= maxM) return { ...to };
  const f = maxM / d;
  return { lat: from.lat + (to.lat - from.lat) * f, lng: from.lng + (to.lng - from.lng) * f };
}

/** A random step of at most `stepM`, pulled back toward `home` when farther than `leashM`. */
function wander(p: LatLng, home: LatLng, stepM: number, leashM: number): LatLng {
  if (distanceM(p, home) > leashM) return moveToward(p, home, stepM);
  const a = Math.random() * 2 * Math.PI;
  const d = Math.random() * stepM;
  return {
    lat: p.lat + (d * Math.cos(a)) / M_PER_DEG,
    lng: p.lng + (d * Math.sin(a)) / (M_PER_DEG * Math.cos((p.lat * Math.PI) / 180)),
  };
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const between = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);

function assertLoopback(url: string): URL {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
    throw new Error(`the demo only drives an API on this machine (127.0.0.1), not ${u.hostname}`);
  return u;
}

export function formatSummary(s: DemoStats, updatesPerS: number): string {
  const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
  return (
    `sockets ${s.sockets} | updates/s ${Math.round(updatesPerS)} | requests ${s.requests} | connections ${s.connections} (declined ${s.declined}) | ` +
    `points ${s.pointsEarned} | vouchers ${s.vouchers} | donations ${s.donations} (${s.pointsDonated} pts) | refused ${refused} | errors ${s.errors}`
  );
}

interface Problem {
  status: number;
  code?: string;
  body: unknown;
}

/** The simulation: agents, their sockets, the scheduler and the counters. */
class Simulation {
  readonly stats: DemoStats = {
    sockets: 0,
    devices: 0,
    locationUpdates: 0,
    windowsOpened: 0,
    windowsClosed: 0,
    requests: 0,
    connections: 0,
    declined: 0,
    requestsExpired: 0,
    pointsEarned: 0,
    vouchers: 0,
    pointsRedeemed: 0,
    donations: 0,
    pointsDonated: 0,
    tokenRefreshes: 0,
    reconnects: 0,
    retries: 0,
    refused: {},
    operations: 0,
    errors: 0,
    errorKinds: {},
  };
  officers: Officer[] = [];
  citizens: Citizen[] = [];
  private readonly byAccount = new Map<string, Agent>();
  private offersByZip = new Map<string, Offer[]>();
  private charities: string[] = [];
  private running = false;
  private inflight = 0;
  private pendingAcks = 0;
  private budget = 0;
  private lastTick = 0;
  private idleCursor = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ipBase = randomBytes(1)[0]!;

  constructor(
    private readonly base: string,
    private readonly rate: number,
    private readonly log: (line: string) => void,
  ) {}

  // ── counting ──────────────────────────────────────────────────────────────────────────

  error(kind: string, detail?: string): void {
    this.stats.errors += 1;
    this.stats.errorKinds[kind] = (this.stats.errorKinds[kind] ?? 0) + 1;
    // The first few of each kind are printed in full so nothing fails silently.
    if (this.stats.errorKinds[kind]! <= 3)
      this.log(`error: ${kind}${detail ? ` — ${detail.slice(0, 300)}` : ''}`);
  }

  private refused(code: string): void {
    this.stats.refused[code] = (this.stats.refused[code] ?? 0) + 1;
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────

  /**
   * One REST call as an agent's phone. Answers with a status in `ok` resolve with the body;
   * problem answers whose code is in `refusable` are counted as refusals and resolve as a
   * Problem; anything else is an error (counted, logged) and resolves as a Problem too.
   */
  async call<T>(
    agent: Agent | null,
    token: string,
    method: string,
    path: string,
    opts: { body?: unknown; ok?: number[]; refusable?: string[]; idempotent?: boolean; route?: string } = {},
  ): Promise<T | Problem> {
    const route = opts.route ?? path;
    this.stats.operations += 1;
    this.inflight += 1;
    try {
      const res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(agent ? { 'x-forwarded-for': agent.ip } : {}),
          ...(opts.idempotent ? { 'idempotency-key': randomUUID() } : {}),
        },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const text = await res.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      if ((opts.ok ?? [200, 201, 204]).includes(res.status)) return body as T;
      const code = typeof body === 'object' && body !== null ? (body as { code?: string }).code : undefined;
      if (code && opts.refusable?.includes(code)) this.refused(code);
      else
        this.error(
          `${method} ${route} ${res.status}${code ? ` ${code}` : ''}`,
          typeof body === 'string' ? body : JSON.stringify(body),
        );
      return { status: res.status, code, body } satisfies Problem;
    } catch (err) {
      this.error(`${method} ${route} ${(err as Error).name}`, (err as Error).message);
      return { status: 0, body: undefined } satisfies Problem;
    } finally {
      this.inflight -= 1;
    }
  }

  private isProblem(x: unknown): x is Problem {
    return (
      typeof x === 'object' &&
      x !== null &&
      'status' in x &&
      typeof (x as Problem).status === 'number' &&
      'body' in x
    );
  }

  // ── setup ─────────────────────────────────────────────────────────────────────────────

  async seedPartners(adminToken: string, cities: City[]): Promise<void> {
    for (const f of partnerFiles(cities)) {
      this.stats.operations += 1;
      const job = await upload(this.base, adminToken, f.kind, f.csv);
      if (job.rowsFailed > 0) this.error(`ETL ${f.kind} rejected rows`, JSON.stringify(job.errors));
      this.log(`loaded ${f.kind}: ${job.rowsOk} row(s) through the admin upload`);
    }
  }

  /** Offers per ZIP and the charities, read once as the apps would on start. */
  async loadCatalogue(token: string, cities: City[]): Promise<void> {
    for (const c of cities) {
      for (const zip of c.zips) {
        const page = await this.call<{
          items: Array<{ id: string; pointsCost: number; remaining?: number | null }>;
        }>(null, token, 'GET', `/rewards/offers?zip=${zip}&limit=100`, { route: '/rewards/offers' });
        if (this.isProblem(page)) throw new Error(`could not read the offers for ${zip}`);
        // Offers with a stock limit sell out; the demo redeems only unlimited ones.
        this.offersByZip.set(
          zip,
          page.items
            .filter((o) => o.remaining === undefined || o.remaining === null)
            .map((o) => ({ id: o.id, pointsCost: o.pointsCost })),
        );
      }
    }
    const charities = await this.call<{ items: Array<{ id: string }> }>(
      null,
      token,
      'GET',
      '/rewards/charities?limit=100',
    );
    if (this.isProblem(charities) || charities.items.length === 0)
      throw new Error('no charities to donate to');
    this.charities = charities.items.map((c) => c.id);
  }

  createAgents(officers: IssuedSession[], citizens: IssuedSession[], cities: City[]): void {
    const now = Date.now();
    let index = 0;
    const ip = (i: number) => `10.${this.ipBase}.${(i >> 8) & 255}.${i & 255}`;
    this.officers = officers.map((session, i) => {
      const city = cities[i % cities.length]!;
      const post = around(city, CITY_RADIUS_M, Math.random);
      const o: Officer = {
        index: index++,
        session,
        ip: ip(index),
        city,
        zip: pick(city.zips),
        pos: { ...post },
        post,
        sending: false,
        nextAt: now,
        refreshing: false,
        tokenRotated: false,
        balance: 0,
        window: 'closed',
        reopenAt: 0,
        answering: 0,
        donating: false,
      };
      return o;
    });
    this.citizens = citizens.map((session, i) => {
      const city = cities[i % cities.length]!;
      // People gather where officers patrol: start within 800 m of one of the city's officers.
      const near = this.officers.filter((o) => o.city === city);
      const start =
        near.length > 0
          ? around(pick(near).post, 800, Math.random)
          : around(city, CITY_RADIUS_M, Math.random);
      const c: Citizen = {
        index: index++,
        session,
        ip: ip(index),
        city,
        zip: pick(city.zips),
        pos: start,
        sending: false,
        nextAt: now + Math.random() * 2_000,
        refreshing: false,
        tokenRotated: false,
        balance: 0,
        state: 'idle',
        waitUntil: 0,
        cooldownUntil: now + Math.random() * 2_000,
        tooFar: 0,
        done: new Set(),
        early: new Map(),
        redeeming: false,
      };
      return c;
    });
    for (const a of [...this.officers, ...this.citizens]) this.byAccount.set(a.session.accountId, a);
  }

  /**
   * One push device per agent's session, as a phone registers on start: even agents FCM, odd
   * ones APNs, random tokens of each platform's shape.
   */
  async registerDevices(): Promise<void> {
    const all: Agent[] = [...this.officers, ...this.citizens];
    const register = async (a: Agent) => {
      const platform = a.index % 2 === 0 ? 'fcm' : 'apns';
      const token =
        platform === 'apns'
          ? randomBytes(32).toString('hex')
          : `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;
      const res = await this.call<{ id: string }>(a, a.session.accessToken, 'POST', '/me/devices', {
        body: { platform, token },
        ok: [201],
      });
      if (this.isProblem(res)) return;
      this.stats.devices += 1;
    };
    for (let i = 0; i < all.length; i += 25) await Promise.all(all.slice(i, i + 25).map(register));
  }

  /** Opens every socket, a bounded batch at a time. */
  async connectAll(): Promise<void> {
    const all: Agent[] = [...this.officers, ...this.citizens];
    for (let i = 0; i < all.length; i += 100) {
      await Promise.all(all.slice(i, i + 100).map((a) => this.connect(a)));
    }
  }

  private async connect(a: Agent): Promise<void> {
    this.stats.operations += 1;
    try {
      // From the phone's own address, as its REST calls: handshakes are rate limited per client IP.
      const s = await connectSocket(this.base, a.session.accessToken, {
        timeoutMs: 20_000,
        headers: { 'x-forwarded-for': a.ip },
      });
      a.socket = s;
      a.tokenRotated = false;
      this.stats.sockets += 1;
      this.listen(a, s);
    } catch (err) {
      this.error('socket connect', (err as Error).message);
    }
  }

  private listen(a: Agent, s: Socket): void {
    s.on('disconnect', (reason) => {
      this.stats.sockets -= 1;
      if (!this.running || reason === 'io client disconnect') return;
      if (reason === 'io server disconnect' && a.tokenRotated) {
        // The server ends a socket when the token it connected with expires; reconnect with the new one.
        this.stats.reconnects += 1;
      } else {
        this.error(`socket disconnected (${reason})`);
      }
      if (a.socket === s) a.socket = undefined;
      this.later(() => void this.connect(a), 1_000);
    });
    s.on('points.awarded', (p: { points: number; balance: number }) => {
      this.stats.pointsEarned += p.points;
      a.balance = p.balance;
      if ('post' in a) this.maybeDonate(a as Officer);
      else this.maybeRedeem(a as Citizen);
    });
    if ('post' in a) {
      const o = a as Officer;
      s.on('connection.requested', (p: { requestId: string }) => this.answer(o, p.requestId));
      s.on('availability.expired', () => {
        if (o.window === 'open') {
          o.window = 'closed';
          o.reopenAt = Date.now() + between(1_000, 3_000);
        }
      });
    } else {
      const c = a as Citizen;
      s.on('connection.accepted', (p: { requestId: string; connection?: { officerId: string } }) =>
        this.outcome(c, p.requestId, 'accepted'),
      );
      s.on('connection.declined', (p: { requestId: string }) => this.outcome(c, p.requestId, 'declined'));
      s.on(
        'officers.nearby',
        (p: { nearby: Array<{ officerId: string; lat: number; lng: number; distanceM: number }> }) =>
          this.consider(c, p.nearby),
      );
    }
  }

  async openWindow(o: Officer): Promise<void> {
    if (o.window !== 'closed') return;
    o.window = 'opening';
    const res = await this.call<{ windowId: string }>(
      o,
      o.session.accessToken,
      'POST',
      '/connections/availability',
      {
        body: { lat: o.pos.lat, lng: o.pos.lng, zip: o.zip, minutes: 15 },
        ok: [200, 201],
      },
    );
    if (this.isProblem(res)) {
      o.window = 'closed';
      o.reopenAt = Date.now() + 5_000;
      return;
    }
    this.stats.windowsOpened += 1;
    o.window = 'open';
    o.nextAt = Date.now() + between(500, 4_000);
  }

  async closeWindow(o: Officer): Promise<void> {
    if (o.window !== 'open') return;
    o.window = 'closing';
    const res = await this.call(o, o.session.accessToken, 'DELETE', '/connections/availability', {
      ok: [204],
    });
    o.window = 'closed';
    if (!this.isProblem(res)) this.stats.windowsClosed += 1;
  }

  async openAllWindows(): Promise<void> {
    for (let i = 0; i < this.officers.length; i += 25) {
      await Promise.all(this.officers.slice(i, i + 25).map((o) => this.openWindow(o)));
    }
  }

  // ── the loop ──────────────────────────────────────────────────────────────────────────

  start(): void {
    this.running = true;
    this.lastTick = Date.now();
  }

  /** One scheduler step (every 100 ms): spends the location budget, approaching citizens first. */
  tick(): void {
    if (!this.running) return;
    const now = Date.now();
    const dt = (now - this.lastTick) / 1000;
    this.lastTick = now;
    this.budget = Math.min(this.budget + this.rate * dt, Math.max(1, this.rate / 2));
    for (const c of this.citizens) {
      if (c.state === 'approaching' && this.due(c, now)) this.stepCitizen(c);
      else if (c.state === 'waiting' && now > c.waitUntil) {
        this.stats.requestsExpired += 1;
        this.toIdle(c, now);
      }
    }
    for (const o of this.officers) {
      if (o.window === 'closed' && now >= o.reopenAt && this.inflight < MAX_INFLIGHT) void this.openWindow(o);
      else if (o.window === 'open' && this.due(o, now)) this.stepOfficer(o);
    }
    // Idle citizens share what is left, round robin so nobody starves.
    for (
      let seen = 0;
      seen < this.citizens.length && this.budget >= 1 && this.pendingAcks < MAX_PENDING_ACKS;
      seen++
    ) {
      const c = this.citizens[this.idleCursor]!;
      this.idleCursor = (this.idleCursor + 1) % this.citizens.length;
      if ((c.state === 'idle' || c.state === 'waiting') && this.due(c, now)) this.stepCitizen(c);
    }
    this.refreshDueTokens(now);
  }

  private due(a: Agent, now: number): boolean {
    return (
      this.budget >= 1 &&
      this.pendingAcks < MAX_PENDING_ACKS &&
      !a.sending &&
      a.nextAt <= now &&
      a.socket?.connected === true
    );
  }

  private sendLocation(
    a: Agent,
    to: LatLng,
  ): Promise<{
    ok: boolean;
    code?: string;
    nearby?: Array<{ officerId: string; lat: number; lng: number; distanceM: number }>;
  } | null> {
    const s = a.socket;
    if (!s) return Promise.resolve(null);
    this.budget -= 1;
    this.pendingAcks += 1;
    a.sending = true;
    this.stats.operations += 1;
    return s
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck('location', { lat: to.lat, lng: to.lng })
      .then(
        (ack: {
          ok: boolean;
          code?: string;
          nearby?: Array<{ officerId: string; lat: number; lng: number; distanceM: number }>;
        }) => {
          if (ack?.ok) {
            a.pos = to;
            this.stats.locationUpdates += 1;
          } else if (ack?.code === 'NO_OPEN_WINDOW') this.refused(ack.code);
          else this.error(`location ${ack?.code ?? 'no ack'}`);
          return ack;
        },
        (err: Error) => {
          if (this.running) this.error('location ack timeout', err.message);
          return null;
        },
      )
      .finally(() => {
        a.sending = false;
        this.pendingAcks -= 1;
      });
  }

  private stepOfficer(o: Officer): void {
    // Officers stand still while answering a request (the accept re-checks the distance).
    const to = o.answering > 0 ? o.pos : wander(o.pos, o.post, OFFICER_STEP_M, 300);
    o.nextAt = Date.now() + between(3_000, 5_000);
    void this.sendLocation(o, to).then((ack) => {
      if (ack?.code === 'NO_OPEN_WINDOW' && o.window === 'open') {
        o.window = 'closed';
        o.reopenAt = Date.now() + 1_000;
      }
      // Now and then an officer takes a break: closes the window and reopens it later.
      else if (ack?.ok && o.answering === 0 && Math.random() < 0.003) {
        void this.closeWindow(o).then(() => (o.reopenAt = Date.now() + between(10_000, 30_000)));
      }
    });
  }

  private stepCitizen(c: Citizen): void {
    const now = Date.now();
    let to: LatLng;
    if (c.state === 'approaching' && c.target) {
      to = moveToward(c.pos, c.target.pos, APPROACH_STEP_M);
      c.nextAt = now + 500;
    } else if (c.state === 'idle') {
      to = wander(c.pos, c.city, CITIZEN_STEP_M, CITY_RADIUS_M);
      c.nextAt = now + between(2_000, 4_000);
    } else {
      to = c.pos;
      c.nextAt = now + between(2_000, 4_000);
    }
    void this.sendLocation(c, to).then((ack) => {
      if (!ack?.ok) return;
      if (c.state === 'approaching' && c.target) {
        const seen = ack.nearby?.find((n) => n.officerId === c.target!.officerId);
        if (!seen && distanceM(c.pos, c.target.pos) > 500) return this.toIdle(c, Date.now()); // went off duty or out of reach
        if (seen) c.target.pos = { lat: seen.lat, lng: seen.lng };
        if (distanceM(c.pos, c.target.pos) <= ASK_WITHIN_M) void this.request(c);
      } else if (c.state === 'idle' && ack.nearby) this.consider(c, ack.nearby);
    });
  }

  /** An idle citizen past its cooldown may set off toward the nearest officer not met yet. */
  private consider(c: Citizen, nearby: Array<{ officerId: string; lat: number; lng: number }>): void {
    const now = Date.now();
    if (!this.running || c.state !== 'idle' || now < c.cooldownUntil) return;
    const candidate = nearby.find((n) => !c.done.has(n.officerId));
    if (!candidate) return;
    if (Math.random() < 0.5) {
      c.cooldownUntil = now + between(2_000, 6_000);
      return;
    }
    c.state = 'approaching';
    c.target = { officerId: candidate.officerId, pos: { lat: candidate.lat, lng: candidate.lng } };
    c.tooFar = 0;
    c.nextAt = now;
  }

  private toIdle(c: Citizen, now: number, cooldownMs = between(3_000, 8_000)): void {
    c.state = 'idle';
    c.target = undefined;
    c.requestId = undefined;
    c.cooldownUntil = now + cooldownMs;
  }

  private async request(c: Citizen): Promise<void> {
    const target = c.target;
    if (!target || c.state !== 'approaching' || this.inflight >= MAX_INFLIGHT) return;
    c.state = 'requesting';
    this.stats.requests += 1;
    const res = await this.call<{ requestId: string; expiresAt: string }>(
      c,
      c.session.accessToken,
      'POST',
      '/connections/requests',
      {
        body: { officerId: target.officerId },
        ok: [201],
        refusable: [
          'TOO_FAR',
          'OFFICER_NOT_AVAILABLE',
          'ALREADY_CONNECTED_TODAY',
          'REQUEST_ALREADY_PENDING',
          'RATE_LIMITED',
        ],
      },
    );
    const now = Date.now();
    if (this.isProblem(res)) {
      if (res.code === 'TOO_FAR' && ++c.tooFar < 3) {
        // The officer moved (or its rounded position misled us): keep walking.
        c.state = 'approaching';
        c.target = target;
        c.nextAt = now;
        return;
      }
      if (res.code === 'ALREADY_CONNECTED_TODAY') c.done.add(target.officerId);
      return this.toIdle(c, now, res.code === 'RATE_LIMITED' ? 60_000 : undefined);
    }
    c.state = 'waiting';
    c.requestId = res.requestId;
    c.waitUntil = new Date(res.expiresAt).getTime() + 5_000;
    const early = c.early.get(res.requestId);
    if (early) this.outcome(c, res.requestId, early);
  }

  private outcome(c: Citizen, requestId: string, outcome: 'accepted' | 'declined'): void {
    if (c.state === 'requesting') {
      c.early.set(requestId, outcome);
      return;
    }
    if (c.requestId !== requestId) return;
    c.early.delete(requestId);
    if (c.target) c.done.add(c.target.officerId);
    this.toIdle(c, Date.now());
  }

  private answer(o: Officer, requestId: string): void {
    if (!this.running) return;
    o.answering += 1;
    // An officer glances at the phone before answering; four in five requests are accepted.
    this.later(
      async () => {
        try {
          if (Math.random() < 0.8) {
            const res = await this.call(
              o,
              o.session.accessToken,
              'POST',
              `/connections/requests/${requestId}/accept`,
              {
                route: '/connections/requests/:id/accept',
                refusable: [
                  'TOO_FAR',
                  'REQUEST_EXPIRED',
                  'REQUEST_NOT_PENDING',
                  'POSITION_UNKNOWN',
                  'ALREADY_CONNECTED_TODAY',
                ],
              },
            );
            if (!this.isProblem(res)) this.stats.connections += 1;
          } else {
            const res = await this.call(
              o,
              o.session.accessToken,
              'POST',
              `/connections/requests/${requestId}/decline`,
              {
                route: '/connections/requests/:id/decline',
                ok: [204],
                refusable: ['REQUEST_EXPIRED', 'REQUEST_NOT_PENDING'],
              },
            );
            if (!this.isProblem(res)) this.stats.declined += 1;
          }
        } finally {
          o.answering -= 1;
        }
      },
      between(300, 1_500),
    );
  }

  private maybeRedeem(c: Citizen): void {
    if (!this.running || c.redeeming || this.inflight >= MAX_INFLIGHT || Math.random() < 0.3) return;
    const affordable = (this.offersByZip.get(c.zip) ?? []).filter((o) => o.pointsCost <= c.balance);
    if (affordable.length === 0) return;
    const offer = pick(affordable);
    c.redeeming = true;
    void this.call<{ voucher: { pointsCost: number } }>(
      c,
      c.session.accessToken,
      'POST',
      '/rewards/redemptions',
      {
        body: { offerId: offer.id },
        ok: [201],
        idempotent: true,
        refusable: ['INSUFFICIENT_POINTS', 'OFFER_UNAVAILABLE'],
      },
    )
      .then((res) => {
        if (this.isProblem(res)) return;
        this.stats.vouchers += 1;
        this.stats.pointsRedeemed += res.voucher.pointsCost;
        c.balance -= res.voucher.pointsCost;
      })
      .finally(() => (c.redeeming = false));
  }

  private maybeDonate(o: Officer): void {
    if (!this.running || o.donating || o.balance < 10 || this.inflight >= MAX_INFLIGHT || Math.random() < 0.4)
      return;
    const points = Math.max(1, Math.floor(o.balance * between(0.3, 1)));
    o.donating = true;
    void this.call<{ points: number; balance: number }>(
      o,
      o.session.accessToken,
      'POST',
      '/rewards/donations',
      {
        body: { charityId: pick(this.charities), points },
        ok: [201],
        idempotent: true,
        refusable: ['INSUFFICIENT_POINTS'],
      },
    )
      .then((res) => {
        if (this.isProblem(res)) return;
        this.stats.donations += 1;
        this.stats.pointsDonated += res.points;
        o.balance = res.balance;
      })
      .finally(() => (o.donating = false));
  }

  /** Sessions whose access token ends within two minutes are refreshed (a few per tick). */
  private refreshDueTokens(now: number): void {
    let started = 0;
    for (const a of this.byAccount.values()) {
      if (started >= 5 || this.inflight >= MAX_INFLIGHT) return;
      if (a.refreshing || new Date(a.session.accessTokenExpiresAt).getTime() - now > 120_000) continue;
      started += 1;
      a.refreshing = true;
      void this.refresh(a).finally(() => (a.refreshing = false));
    }
  }

  private async refresh(a: Agent): Promise<void> {
    this.stats.operations += 1;
    this.inflight += 1;
    try {
      const res = await fetch(`${this.base}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': a.ip },
        body: JSON.stringify({ refreshToken: a.session.refreshToken }),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      if (res.status !== 200) return this.error(`POST /auth/refresh ${res.status}`, await res.text());
      const { session } = (await res.json()) as {
        session: { accessToken: string; refreshToken: string; accessTokenExpiresAt: string };
      };
      a.session = { ...a.session, ...session };
      a.tokenRotated = true;
      if (a.socket) a.socket.auth = { token: session.accessToken };
      this.stats.tokenRefreshes += 1;
    } catch (err) {
      this.error('POST /auth/refresh', (err as Error).message);
    } finally {
      this.inflight -= 1;
    }
  }

  private later(fn: () => unknown, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.running) void fn();
    }, ms);
    this.timers.add(t);
  }

  /**
   * Every agent's profile balance (GET /me, the Profile projection) against its ledger balance
   * (GET /rewards/balance, the ledger truth), `concurrency` agents at a time. Not counted as
   * operations: this is the demo checking the system, not a phone using it.
   */
  async profilesAgainstLedger(concurrency = 16): Promise<{ checked: number; off: string[] }> {
    const agents = [...this.byAccount.values()];
    const off: string[] = [];
    let next = 0;
    const read = async (a: Agent, path: string): Promise<Record<string, unknown>> => {
      const res = await fetch(`${this.base}/api/v1${path}`, {
        headers: { authorization: `Bearer ${a.session.accessToken}`, 'x-forwarded-for': a.ip },
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      if (res.status !== 200) throw new Error(`GET ${path} ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < agents.length) {
          const a = agents[next++]!;
          if (new Date(a.session.accessTokenExpiresAt).getTime() - Date.now() < 60_000) await this.refresh(a);
          const [me, ledger] = await Promise.all([read(a, '/me'), read(a, '/rewards/balance')]);
          const profile = (me.profile ?? {}) as { pointsBalance?: number };
          if (profile.pointsBalance !== ledger.balance)
            off.push(
              `${a.session.accountId} profile ${String(profile.pointsBalance)} ledger ${String(ledger.balance)}`,
            );
        }
      }),
    );
    return { checked: agents.length, off };
  }

  // ── stopping ──────────────────────────────────────────────────────────────────────────

  /** Stops the loop, lets requests in flight finish, closes every open window, then the sockets. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const deadline = Date.now() + 15_000;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const open = this.officers.filter((o) => o.window === 'open');
    for (let i = 0; i < open.length; i += 25)
      await Promise.all(open.slice(i, i + 25).map((o) => this.closeWindow(o)));
    for (const a of [...this.officers, ...this.citizens]) a.socket?.disconnect();
  }
}

/**
 * Runs the demo against the API at `options.url`: issues sessions (admin, officers, citizens)
 * with the ops CLI, loads the partner catalogue through the admin upload, then simulates until
 * the duration ends or `signal` aborts, printing a summary line every couple of seconds.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const base = assertLoopback(options.url).origin;
  const o = {
    officers: options.officers ?? DEFAULTS.officers,
    citizens: options.citizens ?? DEFAULTS.citizens,
    rate: options.rate ?? DEFAULTS.rate,
    durationS: options.durationS ?? DEFAULTS.durationS,
    summaryEveryMs: options.summaryEveryMs ?? DEFAULTS.summaryEveryMs,
    maxErrorRate: options.maxErrorRate ?? DEFAULTS.maxErrorRate,
    drainTimeoutS: options.drainTimeoutS ?? DEFAULTS.drainTimeoutS,
  };
  const log = options.log ?? ((line: string) => process.stderr.write(`[demo] ${line}\n`));
  for (const [name, v, min, max] of [
    ['officers', o.officers, 1, 10_000],
    ['citizens', o.citizens, 1, 10_000],
    ['rate', o.rate, 1, 10_000],
    ['duration', o.durationS, 0, 86_400],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
  }
  const cities = (options.cities ?? CITIES.map((c) => c.name)).map(cityByName);
  const dashboardUrl = `${base}/admin`;
  const sim = new Simulation(base, o.rate, log);
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), 'heyblue-demo-'));
  let interval: NodeJS.Timeout | undefined;
  let summaries: NodeJS.Timeout | undefined;
  let summary = '';
  let consumers: ConsumerCheck | null;
  try {
    log(`issuing 1 admin, ${o.officers} officer and ${o.citizens} citizen sessions (session:issue)`);
    const cli = options.cli ?? BUILT_CLI;
    const cliEnv = { HEYBLUE_DEV_MODE: 'true', LOG_LEVEL: 'warn', ...options.cliEnv };
    // One CLI at a time (in parallel they starve each other on two cores), each tried up to
    // three times: a CLI's first transaction can outlive Prisma's 5 s interactive-transaction
    // timeout on a busy machine (accounts made before a failure just stay unused).
    const issue = async (role: 'admin' | 'officer' | 'citizen', count: number) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await (options.issueSessions
            ? options.issueSessions(role, count)
            : issueSessions(cliEnv, role, count, work, cli));
        } catch (err) {
          const reason = (err as Error).message.split('\n').filter(Boolean).slice(-1)[0] ?? '';
          if (attempt >= 3)
            throw new Error(`session:issue --role ${role} failed ${attempt} times; last: ${reason}`, {
              cause: err,
            });
          sim.stats.retries += 1;
          log(`session:issue --role ${role} failed (attempt ${attempt}), trying again: ${reason}`);
        }
      }
    };
    const admins = await issue('admin', 1);
    const officers = await issue('officer', o.officers);
    const citizens = await issue('citizen', o.citizens);
    const admin = admins[0]!;
    const wrongRole = officers.find((s) => s.role !== 'officer');
    if (wrongRole) throw new Error(`session:issue gave role ${wrongRole.role} to an officer`);
    await sim.seedPartners(admin.accessToken, cities);
    await sim.loadCatalogue(admin.accessToken, cities);
    // Every new account is an AccountCreated event for several consumers; let the API work
    // through that backlog (watching /metrics) before the city starts moving.
    log("waiting for the API to process the new accounts' events");
    await waitForIdleQueues(base).catch((err: Error) => log(`still busy, starting anyway: ${err.message}`));
    sim.createAgents(officers, citizens, cities);
    if (options.devices) {
      log(`registering ${officers.length + citizens.length} push devices (half FCM, half APNs)`);
      await sim.registerDevices();
      log(`${sim.stats.devices} push devices registered`);
    }
    log(`connecting ${officers.length + citizens.length} sockets`);
    await sim.connectAll();
    log(`opening ${officers.length} availability windows in ${cities.map((c) => c.name).join(', ')}`);
    await sim.openAllWindows();
    log(
      `simulating${o.durationS > 0 ? ` for ${o.durationS} s` : ' until Ctrl-C'} at ${o.rate} location updates/s — dashboard: ${dashboardUrl}`,
    );

    sim.start();
    options.onStart?.();
    interval = setInterval(() => sim.tick(), 100);
    let lastUpdates = 0;
    let lastAt = Date.now();
    const report = () => {
      const now = Date.now();
      const perS = ((sim.stats.locationUpdates - lastUpdates) * 1000) / Math.max(1, now - lastAt);
      lastUpdates = sim.stats.locationUpdates;
      lastAt = now;
      summary = formatSummary(sim.stats, perS);
      log(summary);
    };
    summaries = setInterval(report, o.summaryEveryMs);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      if (o.durationS > 0) setTimeout(done, o.durationS * 1000).unref();
      if (options.signal?.aborted) return resolve();
      options.signal?.addEventListener('abort', done, { once: true });
    });
    clearInterval(interval);
    clearInterval(summaries);
    log('stopping: closing windows and sockets');
    await sim.stop();
    report();
    consumers = await checkConsumers(base, admin.accessToken, sim, o.drainTimeoutS, log);
  } finally {
    if (interval) clearInterval(interval);
    if (summaries) clearInterval(summaries);
    await sim.stop();
    await rm(work, { recursive: true, force: true });
  }
  const errorRate = sim.stats.operations > 0 ? sim.stats.errors / sim.stats.operations : 0;
  return {
    stats: sim.stats,
    errorRate,
    consumers,
    ok:
      errorRate <= o.maxErrorRate &&
      (consumers === null || (consumers.drained && consumers.profilesOffLedger === 0)),
    summary,
    dashboardUrl,
    elapsedS: (Date.now() - started) / 1000,
  };
}

interface QueueView {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  oldestWaitingSeconds: number;
  recentLagMs: { p50: number; p99: number } | null;
}

/**
 * After the load: waits (at most `timeoutS`) for every event queue and the outbox to empty, as
 * the admin sees them (GET /admin/events/queues), prints the consumers' lag, then checks every
 * agent's profile against the ledger. The contract promises projections "within seconds".
 */
async function checkConsumers(
  base: string,
  adminToken: string,
  sim: Simulation,
  timeoutS: number,
  log: (line: string) => void,
): Promise<ConsumerCheck> {
  const started = Date.now();
  let view: { outbox: { pending: number }; queues: QueueView[] } | undefined;
  let backlog = Number.POSITIVE_INFINITY;
  for (;;) {
    const res = await fetch(`${base}/api/v1/admin/events/queues`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    }).catch(() => null);
    if (res?.status === 200) {
      view = (await res.json()) as typeof view;
      backlog = view!.outbox.pending + view!.queues.reduce((n, q) => n + q.waiting + q.active + q.delayed, 0);
      if (backlog === 0) break;
    }
    if (Date.now() - started > timeoutS * 1000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const drainS = (Date.now() - started) / 1000;
  const drained = backlog === 0;
  const queues = (view?.queues ?? []).map((q) => ({
    queue: q.queue,
    p50Ms: q.recentLagMs?.p50 ?? null,
    p99Ms: q.recentLagMs?.p99 ?? null,
    oldestWaitingSeconds: q.oldestWaitingSeconds,
  }));
  log(
    drained
      ? `consumers drained ${drainS.toFixed(1)} s after the load`
      : `consumers NOT drained after ${timeoutS} s: ${Number.isFinite(backlog) ? backlog : 'unknown'} deliveries or outbox rows left`,
  );
  for (const q of queues)
    log(
      `  ${q.queue}: lag p50 ${q.p50Ms ?? '-'} ms, p99 ${q.p99Ms ?? '-'} ms; oldest waiting ${q.oldestWaitingSeconds} s`,
    );
  const profiles = await sim.profilesAgainstLedger();
  log(
    `profiles against the ledger: ${profiles.off.length} of ${profiles.checked} differ${profiles.off.length ? ` (e.g. ${profiles.off.slice(0, 3).join('; ')})` : ''}`,
  );
  return {
    drained,
    drainS: Math.round(drainS * 10) / 10,
    backlog: Number.isFinite(backlog) ? backlog : -1,
    queues,
    profilesChecked: profiles.checked,
    profilesOffLedger: profiles.off.length,
    offLedger: profiles.off.slice(0, 10),
  };
}

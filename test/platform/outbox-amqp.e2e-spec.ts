import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import * as amqp from 'amqplib';
import { EventConsumers, PrismaService, type OutboxRow } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { randomId } from '../support/databases.js';
import { MixedEventStream, runStream, seeded } from '../support/event-stream.js';
import { api } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** The machine's RabbitMQ (every machine of this kind runs one on 5672). */
const BROKER_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = promisify(execFile);

interface Received {
  routingKey: string;
  properties: amqp.MessageProperties;
  body: {
    id: string;
    type: string;
    version: number;
    occurredAt: string;
    recordedAt?: string;
    payload: Record<string, unknown>;
  };
}

/** A queue of the test's own bound to the test's exchange with `#`, collecting what arrives. */
class Tap {
  readonly messages: Received[] = [];
  private constructor(private readonly connection: amqp.ChannelModel) {}

  static async open(exchange: string, queue: { name: string; durable: boolean }): Promise<Tap> {
    const connection = await amqp.connect(BROKER_URL);
    // The broker restart closes this connection; the test opens a new tap afterwards.
    connection.on('error', () => undefined);
    const tap = new Tap(connection);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue: name } = await channel.assertQueue(
      queue.name,
      queue.durable ? { durable: true } : { exclusive: true, autoDelete: true },
    );
    await channel.bindQueue(name, exchange, '#');
    await channel.consume(name, (msg) => {
      if (!msg) return;
      tap.messages.push({
        routingKey: msg.fields.routingKey,
        properties: msg.properties,
        body: JSON.parse(msg.content.toString('utf8')) as Received['body'],
      });
      channel.ack(msg);
    });
    return tap;
  }

  /** Event ids in the order they first arrived (a repeat after a lost confirm is skipped). */
  firstArrivals(from = 0): string[] {
    const seen = new Set<string>();
    const ids: string[] = [];
    for (const m of this.messages.slice(from)) {
      if (seen.has(m.body.id)) continue;
      seen.add(m.body.id);
      ids.push(m.body.id);
    }
    return ids;
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/** Event types MixedEventStream publishes itself (the others come from the app's handlers). */
const STREAM_MADE = new Set(['AccountCreated', 'AccountRoleChanged', 'ConnectionEstablished']);

/** The ledger events: each carries the account's ledger position, assigned under the account's lock. */
const LEDGER_EVENTS = new Set(['PointsEarned', 'PointsRedeemed', 'PointsDonated', 'PointsAdjusted']);

/**
 * Integration events on RabbitMQ (issue #22): two instances publish from one outbox through a TCP
 * proxy in front of the machine's broker; the test reads its own queue bound to an exchange of its
 * own. Every event must arrive, once, in order per aggregate, with the routing key, properties and
 * envelope the AsyncAPI document promises, through a network cut and a broker restart.
 */
describe('integration events on RabbitMQ (two instances, real PostgreSQL, Redis and RabbitMQ)', () => {
  const exchange = `heyblue.test.${randomId()}`;
  const durableQueue = `${exchange}.restart`;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  let prisma: PrismaService;
  let tap: Tap;
  let stream: MixedEventStream;
  const random = seeded(2212);

  type Row = OutboxRow;
  const outboxRows = (unpublishedOnly = false): Promise<Row[]> =>
    prisma.$queryRaw<Row[]>`
      SELECT seq, id::text AS id, type, version, occurred_at, created_at, payload FROM platform_outbox_event
      WHERE NOT ${unpublishedOnly}::boolean OR amqp_published_at IS NULL ORDER BY seq`;
  const unpublished = () => outboxRows(true);

  /**
   * Waits until every event is relayed and every delivery of it applied (a processed row per
   * subscribed handler): then no consumer is left to write a derived event, and every row of the
   * outbox is committed.
   */
  const quiet = async () => {
    const consumers = a.app.get(EventConsumers);
    await eventually(
      async () => {
        const rows = await prisma.$queryRaw<Array<{ id: string; type: string; dispatched: boolean }>>`
          SELECT id::text AS id, type, dispatched_at IS NOT NULL AS dispatched FROM platform_outbox_event`;
        const pairs = rows.flatMap((r) => consumers.handlersFor(r.type).map((h) => [h, r.id] as const));
        const [left] = await prisma.$queryRaw<Array<{ n: bigint }>>`
          SELECT count(*) AS n FROM unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::uuid[])
            AS j(handler_id, event_id)
          WHERE NOT EXISTS (SELECT 1 FROM platform_processed_event p
                            WHERE p.handler_id = j.handler_id AND p.event_id = j.event_id)`;
        return { undispatched: rows.filter((r) => !r.dispatched).length, unapplied: Number(left!.n) };
      },
      (s) => s.undispatched === 0 && s.unapplied === 0,
      { timeoutMs: 90_000, intervalMs: 250, what: 'every event relayed and applied in process' },
    );
  };

  const allPublished = () =>
    eventually(unpublished, (rows) => rows.length === 0, {
      timeoutMs: 90_000,
      intervalMs: 100,
      what: 'every event confirmed by the broker',
    });

  const ready = async (t: TestApp) => {
    const res = await api<{ status: string; info: Record<string, { status: string; broker?: string }> }>(
      t,
      'GET',
      '/health/ready',
    );
    return { status: res.status, amqp: res.body.info?.amqp };
  };

  beforeAll(async () => {
    proxy = await new TcpProxy('127.0.0.1', Number(new URL(BROKER_URL).port || 5672)).start();
    tap = await Tap.open(exchange, { name: '', durable: false });
    const upstream = new URL(BROKER_URL);
    const env = {
      AMQP_URL: `amqp://${upstream.username}:${upstream.password}@127.0.0.1:${proxy.port}`,
      AMQP_EXCHANGE: exchange,
    };
    a = await startTestApp(env);
    b = await startTestApp(env, a.testEnv);
    prisma = a.app.get(PrismaService);
    stream = new MixedEventStream(a.app, { officers: 12, citizens: 48 });
    await stream.prepare();
  });
  afterAll(async () => {
    await tap?.close();
    await b?.close();
    await a?.close();
    await proxy?.stop();
    const admin = await amqp.connect(BROKER_URL).catch(() => null);
    if (admin) {
      const channel = await admin.createChannel();
      await channel.deleteQueue(durableQueue).catch(() => undefined);
      await channel.deleteExchange(exchange).catch(() => undefined);
      await admin.close();
    }
  });

  it('publishes every event once, in ledger order per account, with routing key = type, persistent, and the envelope as body', async () => {
    await runStream(stream, 300, 6, random);
    await stream.finish();
    await quiet();
    await allPublished();
    const rows = await outboxRows();
    expect(rows.length).toBeGreaterThan(300);
    await eventually(
      () => tap.messages.length,
      (n) => n >= rows.length,
      { timeoutMs: 30_000, what: 'every confirmed event delivered to the test queue' },
    );

    // Once each, nothing missing, nothing else.
    const ids = tap.messages.map((m) => m.body.id);
    expect(ids.length).toBe(rows.length);
    expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.id)));

    // Routing key, properties, headers, and the envelope as the body.
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const m of tap.messages) {
      const row = byId.get(m.body.id)!;
      const envelope = {
        id: row.id,
        type: row.type,
        version: row.version,
        occurredAt: row.occurred_at.toISOString(),
        recordedAt: row.created_at.toISOString(),
        payload: row.payload,
      };
      expect({
        routingKey: m.routingKey,
        messageId: m.properties.messageId,
        type: m.properties.type,
        deliveryMode: m.properties.deliveryMode,
        contentType: m.properties.contentType,
        appId: m.properties.appId,
        headers: m.properties.headers,
        body: m.body,
      }).toEqual({
        routingKey: row.type,
        messageId: row.id,
        type: row.type,
        deliveryMode: 2,
        contentType: 'application/json',
        appId: 'heyblue',
        headers: { type: row.type, version: row.version, occurredAt: envelope.occurredAt },
        body: envelope,
      });
    }

    // An account's ledger events (written under its lock, by Rewards' real handlers on both
    // instances) arrive in ledger order: ledgerSeq rises and each balance follows from the last.
    const ledger = new Map<string, Array<{ seq: bigint; balance: number }>>();
    for (const m of tap.messages.filter((x) => LEDGER_EVENTS.has(x.body.type))) {
      const p = m.body.payload as { accountId: string; ledgerSeq: string; balance: number };
      const list = ledger.get(p.accountId) ?? [];
      list.push({ seq: BigInt(p.ledgerSeq), balance: p.balance });
      ledger.set(p.accountId, list);
    }
    expect(ledger.size).toBeGreaterThan(10);
    for (const [account, entries] of ledger) {
      const rising = entries.every((e, i) => i === 0 || e.seq > entries[i - 1]!.seq);
      expect({ account, rising }).toEqual({ account, rising: true });
    }

    // Every body is the AsyncAPI document's envelope, on a channel of its amqp server; the events
    // the app's own handlers wrote validate against their whole message (the stream makes up
    // AccountCreated, AccountRoleChanged and ConnectionEstablished with fewer fields than the real
    // publishers; test/contracts/asyncapi.e2e-spec.ts holds those to their messages).
    const doc = (await new Parser().parse(readFileSync('docs/asyncapi.yaml', 'utf8'))).document!;
    const envelopeSchema = new Ajv({ strict: false, allErrors: true }).compile(
      doc.components().schemas().get('Envelope')!.json(),
    );
    const validators = new Map<string, ValidateFunction>();
    for (const m of tap.messages) {
      expect({ id: m.body.id, envelope: envelopeSchema(m.body) }).toEqual({ id: m.body.id, envelope: true });
      if (STREAM_MADE.has(m.body.type)) continue;
      let v = validators.get(m.body.type);
      if (!v) {
        // The routing key is a channel of the amqp server, and the body one of its messages.
        const channel = doc
          .channels()
          .all()
          .find((c) => c.address() === m.routingKey);
        expect({
          key: m.routingKey,
          onAmqp: channel
            ?.servers()
            .all()
            .some((srv) => srv.id() === 'amqp'),
        }).toEqual({ key: m.routingKey, onAmqp: true });
        const message = channel!
          .messages()
          .all()
          .find((x) => x.name() === m.body.type)!;
        v = new Ajv({ strict: false, allErrors: true }).compile(message.payload()!.json());
        validators.set(m.body.type, v);
      }
      const ok = v(m.body);
      expect({ type: m.body.type, errors: ok ? null : v.errors }).toEqual({
        type: m.body.type,
        errors: null,
      });
    }

    const health = await ready(a);
    expect(health).toEqual({ status: 200, amqp: { status: 'up', broker: 'connected' } });
  }, 240_000);

  it('loses nothing while the broker is unreachable: the app stays ready, consumers go on, and the backlog goes out in commit order', async () => {
    const before = tap.messages.length;
    proxy.cut();
    await eventually(
      () => Promise.all([ready(a), ready(b)]),
      (rs) => rs.every((r) => r.status === 200 && r.amqp?.broker === 'unreachable'),
      { what: 'readiness reporting the broker unreachable (and staying ready)' },
    );
    await runStream(stream, 200, 6, random);
    await quiet();
    // The in-process consumers were not held up: everything is relayed and applied, and the
    // events wait for the broker only.
    const waiting = await unpublished();
    expect(waiting.length).toBeGreaterThan(100);
    // (The gauges read the newest app of this process, b: both are cut off.)
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(Number(/^heyblue_amqp_oldest_unpublished_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(/^heyblue_amqp_connected (\S+)$/m.exec(metrics)?.[1]).toBe('0');

    // Every event waiting is committed (the consumers are quiet): once the broker is back they
    // arrive in exactly their outbox order.
    const after = tap.messages.length;
    proxy.restore();
    await allPublished();
    await eventually(
      () => tap.firstArrivals(after).length,
      (n) => n >= waiting.length,
      { timeoutMs: 30_000, what: 'the backlog delivered' },
    );
    expect(tap.firstArrivals(after)).toEqual(waiting.map((r) => r.id));
    // Nothing was lost over the whole run: every outbox event arrived at least once.
    const rows = await outboxRows();
    expect(new Set(tap.firstArrivals(0))).toEqual(new Set(rows.map((r) => r.id)));
    expect(tap.messages.length).toBeGreaterThanOrEqual(before + waiting.length);
    await eventually(
      () => ready(a),
      (r) => r.amqp?.broker === 'connected',
      { what: 'readiness reporting the broker connected again' },
    );
  }, 240_000);

  it('survives a broker restart (rabbitmqctl stop_app / start_app): the events made meanwhile arrive in commit order', async () => {
    // A durable queue keeps its binding and messages across the restart (an exclusive one would not).
    const restartTap = await Tap.open(exchange, { name: durableQueue, durable: true });
    await restartTap.close();
    await run('rabbitmqctl', ['-q', 'stop_app'], { timeout: 60_000 });
    let waiting: Row[];
    try {
      await eventually(
        () => ready(a),
        (r) => r.status === 200 && r.amqp?.broker === 'unreachable',
        { what: 'the publisher noticing the broker stopped' },
      );
      await runStream(stream, 120, 6, random);
      await quiet();
      waiting = await unpublished();
    } finally {
      await run('rabbitmqctl', ['-q', 'start_app'], { timeout: 120_000 });
      await run('rabbitmqctl', ['-q', 'await_startup'], { timeout: 120_000 });
    }
    expect(waiting.length).toBeGreaterThan(50);
    await allPublished();
    const reader = await Tap.open(exchange, { name: durableQueue, durable: true });
    try {
      await eventually(
        () => reader.firstArrivals().length,
        (n) => n >= waiting.length,
        { timeoutMs: 30_000, what: 'the events made during the restart, from the durable queue' },
      );
      expect(reader.firstArrivals()).toEqual(waiting.map((r) => r.id));
    } finally {
      await reader.close();
    }
  }, 300_000);
});

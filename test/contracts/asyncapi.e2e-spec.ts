import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import * as connections from '@heyblue/connections';
import * as etl from '@heyblue/etl';
import * as iam from '@heyblue/iam';
import * as notifications from '@heyblue/notifications';
import { EventConsumers, IntegrationEvent, PrismaService } from '@heyblue/platform';
import * as profile from '@heyblue/profile';
import * as reporting from '@heyblue/reporting';
import * as rewards from '@heyblue/rewards';
import * as social from '@heyblue/social';
import { runScenario, SCENARIO_ENV, type Scenario } from '../ops/scenario.js';
import { startTestApp, type TestApp } from '../support/app.js';

const SOURCE = readFileSync('docs/asyncapi.yaml', 'utf8');

/** Names of the socket.io messages that are not pushes: the client's message, its ack and the refused handshake. */
const NOT_PUSHED = new Set(['location', 'location (ack)', 'connect_error']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Integration event classes every context exports from its index (consumer-side contracts are private, so each type appears once). */
function publishedEventTypes(): Map<string, { version: number; context: string }> {
  const types = new Map<string, { version: number; context: string }>();
  for (const [context, ns] of Object.entries({
    connections,
    etl,
    iam,
    notifications,
    profile,
    reporting,
    rewards,
    social,
  })) {
    for (const value of Object.values(ns)) {
      if (typeof value === 'function' && value.prototype instanceof IntegrationEvent) {
        const cls = value as unknown as { type: string; version: number };
        types.set(cls.type, { version: cls.version, context });
      }
    }
  }
  return types;
}

/**
 * Socket event names the code pushes: every name of Notifications' typed NOTIFICATION_EVENTS
 * (the one port contexts notify through), and any name still written as a string literal
 * beside a socket emit (there should be none).
 */
function pushedSocketEvents(): Set<string> {
  const names = new Set<string>(Object.values(notifications.NOTIFICATION_EVENTS));
  // Names Connections still spells itself (the client's `location`, the gateway's `socket.ready`).
  const constants = readFileSync('libs/connections/src/connections.constants.ts', 'utf8');
  const block = /SOCKET_EVENTS = \{([^}]+)\}/.exec(constants)?.[1] ?? '';
  for (const m of block.matchAll(/:\s*'([^']+)'/g)) names.add(m[1]!);
  for (const file of tsFiles('libs')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /(?:pushToAccount|afterCommit|toAccount|notify)\([^;]*?,\s*'([a-z][\w.]*)'/g,
    ))
      names.add(m[1]!);
  }
  names.delete('location');
  return names;
}

/** Codes the `location` path can answer in an ack (the gateway and the handler name them through CODES). */
function ackCodes(): Set<string> {
  const text = [
    'libs/connections/src/api/connections.gateway.ts',
    'libs/connections/src/application/location.handler.ts',
  ]
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  return new Set([...text.matchAll(/CODES\.([A-Z_]+)/g)].map((m) => m[1]!));
}

describe('AsyncAPI document (docs/asyncapi.yaml) against the running code', () => {
  let doc: AsyncAPIDocumentInterface;
  const validators = new Map<string, ValidateFunction>();
  const schemaOf = (name: string) => {
    const message = doc
      .allMessages()
      .all()
      .find((m) => m.name() === name);
    if (!message) throw new Error(`no message named ${name} in docs/asyncapi.yaml`);
    return message.payload()!.json() as {
      allOf?: Array<{ properties?: { payload?: { required?: string[]; properties?: object } } }>;
    };
  };
  const validator = (name: string): ValidateFunction => {
    let v = validators.get(name);
    if (!v) {
      // The parser inlines every $ref; its x-parser-* annotations are not keywords Ajv knows.
      v = new Ajv({ strict: false, allErrors: true }).compile(schemaOf(name));
      validators.set(name, v);
    }
    return v;
  };
  const expectValid = (name: string, value: unknown) => {
    const v = validator(name);
    const ok = v(value);
    expect({ name, value, errors: ok ? null : v.errors }).toEqual({ name, value, errors: null });
  };

  beforeAll(async () => {
    const parsed = await new Parser().parse(SOURCE);
    // Severity 0 = error, 1 = warning; 2/3 are hints such as "a newer AsyncAPI 3.x exists".
    expect(
      parsed.diagnostics
        .filter((d) => d.severity < 2)
        .map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`),
    ).toEqual([]);
    doc = parsed.document!;
    expect(doc.version()).toMatch(/^3\./);
  });

  it('lists exactly the integration event types the contexts export, at their versions, in the common envelope', () => {
    const inCode = publishedEventTypes();
    const inDoc = doc
      .channels()
      .all()
      .filter((c) =>
        c
          .servers()
          .all()
          .some((s) => s.id() === 'events'),
      );
    expect(inDoc.map((c) => c.address()).sort()).toEqual([...inCode.keys()].sort());
    for (const [type, { version }] of inCode) {
      const envelope = schemaOf(type).allOf!;
      expect(envelope[1]).toMatchObject({
        properties: { type: { const: type }, version: { const: version } },
      });
    }
  });

  it('puts every integration event on the RabbitMQ server too, routed by its type on the topic exchange', () => {
    const amqpServer = doc.servers().get('amqp')!;
    expect(amqpServer.protocol()).toBe('amqp');
    const onAmqp = doc
      .channels()
      .all()
      .filter((c) =>
        c
          .servers()
          .all()
          .some((s) => s.id() === 'amqp'),
      );
    expect(onAmqp.map((c) => c.address()).sort()).toEqual([...publishedEventTypes().keys()].sort());
    for (const channel of onAmqp) {
      expect(channel.bindings().get('amqp')?.value()).toMatchObject({
        is: 'routingKey',
        exchange: { name: 'heyblue.events', type: 'topic', durable: true },
      });
    }
  });

  it('lists every socket event the code pushes, and exactly the codes a location ack can carry', () => {
    const documented = doc
      .channels()
      .get('connections')!
      .messages()
      .all()
      .map((m) => m.name()!);
    expect(documented.filter((n) => !NOT_PUSHED.has(n)).sort()).toEqual([...pushedSocketEvents()].sort());
    const ack = readFileSync('docs/asyncapi.yaml', 'utf8');
    const documentedCodes = /enum: \[(RATE_LIMITED[^\]]*)\]/
      .exec(ack)?.[1]
      ?.split(',')
      .map((s) => s.trim());
    expect(new Set(documentedCodes)).toEqual(ackCodes());
  });

  describe('with the app running a day of traffic', () => {
    let t: TestApp;
    let scenario: Scenario;

    beforeAll(async () => {
      t = await startTestApp(SCENARIO_ENV);
      scenario = await runScenario(t);
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    it('every outbox row validates against its message, and the required payload keys are exactly the keys the code writes', async () => {
      const rows = await t.app.get(PrismaService).outboxEvent.findMany({ orderBy: { seq: 'asc' } });
      const types = new Set(rows.map((r) => r.type));
      // The scenario makes every type the code can publish at least once.
      expect([...types].sort()).toEqual([...publishedEventTypes().keys()].sort());
      for (const row of rows) {
        const envelope = {
          id: row.id,
          type: row.type,
          version: row.version,
          occurredAt: row.occurredAt.toISOString(),
          payload: row.payload,
        };
        expectValid(row.type, envelope);
        const declared = schemaOf(row.type).allOf![1]!.properties!.payload!;
        expect({ type: row.type, keys: Object.keys(row.payload as object).sort() }).toEqual({
          type: row.type,
          keys: [...declared.required!].sort(),
        });
        expect(Object.keys(declared.properties!).sort()).toEqual([...declared.required!].sort());
      }
    });

    it('names, for each event, exactly the contexts whose handlers the app subscribed (x-published-by / x-consumed-by)', () => {
      const messages = (
        parse(SOURCE) as {
          components: { messages: Record<string, { 'x-published-by'?: string; 'x-consumed-by'?: string[] }> };
        }
      ).components.messages;
      const consumers = t.app.get(EventConsumers);
      for (const [type, { context }] of publishedEventTypes()) {
        const subscribed = [...new Set(consumers.handlersFor(type).map((h) => h.split('.')[0]!))].sort();
        expect({ type, consumedBy: [...(messages[type]!['x-consumed-by'] ?? [])].sort() }).toEqual({
          type,
          consumedBy: subscribed,
        });
        expect({ type, publishedBy: messages[type]!['x-published-by'] }).toEqual({
          type,
          publishedBy: context,
        });
      }
    });

    it('every push the sockets received and every location ack validate against their messages', () => {
      const received = scenario.inboxes.flatMap((i) => i.events);
      expect(new Set(received.map((e) => e.event))).toEqual(pushedSocketEvents());
      for (const { event, payload } of received) expectValid(event, payload);
      expect(scenario.acks.length).toBeGreaterThan(3);
      for (const ack of scenario.acks) expectValid('location (ack)', ack);
      expect(validator('location')({ lat: 40.7, lng: -74, accuracyM: 5, at: Date.now() })).toBe(true);
      expect(validator('location')({ lat: 91, lng: 0 })).toBe(false);
      expect(validator('location')({ lat: 40, lng: 0, speed: 3 })).toBe(false);
    });

    it('serves the document at GET /api/asyncapi as YAML, byte for byte, and at /api/asyncapi.json as JSON', async () => {
      const res = await fetch(`${t.url}/api/asyncapi`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
      expect(await res.text()).toBe(SOURCE);
      const json = await fetch(`${t.url}/api/asyncapi.json`);
      expect(json.status).toBe(200);
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await json.json()).toEqual(parse(SOURCE));
    });
  });
});

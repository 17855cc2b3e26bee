import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import {
  DeadLetterAlerts,
  DeadLetterService,
  EventConsumers,
  OutboxService,
  PrismaService,
} from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';
import { ThingHappened } from '../platform/fixtures/outbox-events.js';

/** A consumer that always fails: its deliveries end as dead letters through the real event path. */
@Injectable()
class AlwaysFails implements OnModuleInit {
  constructor(private readonly consumers: EventConsumers) {}
  onModuleInit(): void {
    this.consumers.subscribe('e2ealerts.always-fails', ThingHappened, async () => {
      throw new Error('broken on purpose\nat somewhere');
    });
  }
}
@Module({ providers: [AlwaysFails] })
class AlwaysFailsModule {}

interface Received {
  at: number;
  body: string;
  signature: string | undefined;
  event: string | undefined;
}

/** A local receiver: records every POST; answers 500 to the first `failFirst` of them. */
async function receiver(failFirst: number): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  let seen = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({
        at: Date.now(),
        body,
        signature: req.headers['x-heyblue-signature'] as string | undefined,
        event: req.headers['x-heyblue-event'] as string | undefined,
      });
      res.statusCode = seen++ < failFirst ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, received };
}

/**
 * Issue 23, alerts: every dead letter counts in `heyblue_dead_lettered_total` (the Prometheus
 * rule's metric), and ALERT_WEBHOOK_URL gets one signed message per burst, retried when the
 * receiver fails, without holding up the consumer that dead-lettered.
 */
describe('dead-letter alerts', () => {
  const SECRET = 'alert-secret';
  let t: TestApp;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    hook = await receiver(1);
    t = await startTestApp(
      {
        ALERT_WEBHOOK_URL: hook.url,
        ALERT_WEBHOOK_SECRET: SECRET,
        ALERT_WEBHOOK_BURST_S: '4',
        EVENT_MAX_ATTEMPTS: '2',
        EVENT_BACKOFF_MS: '50',
      },
      undefined,
      [AlwaysFailsModule],
    );
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => hook?.server.close(r));
  });

  const metric = async (name: string, labels: string): Promise<number> => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('sends one signed message per burst (event and other deliveries alike), retried after a failure, and counts them for Prometheus', async () => {
    const before = await metric('heyblue_dead_lettered_total', 'source="event"');
    // A burst: two events whose consumer always fails (the first dead letter opens a 4 s
    // window), then three failed deliveries of another source within it.
    const outbox = t.app.get(OutboxService);
    await t.app
      .get(PrismaService)
      .$transaction((tx) => outbox.publish(tx, new ThingHappened({ n: 1 }), new ThingHappened({ n: 2 })));
    outbox.kick();
    await eventually(
      () =>
        t.app
          .get(PrismaService)
          .deadLetter.count({ where: { source: 'event', target: 'e2ealerts.always-fails' } }),
      (n) => n === 2,
      { what: 'two event dead letters', timeoutMs: 20_000 },
    );
    const store = t.app.get(DeadLetterService);
    const started = Date.now();
    for (let i = 0; i < 3; i++)
      await store.record({
        source: 'social',
        target: `mastodon-${i}`,
        payload: { n: i },
        error: `HTTP 503\nbody`,
        attempts: 5,
      });
    // Recording does not wait for the webhook (nor for the failing receiver).
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(hook.received).toHaveLength(0);

    // First attempt refused with 500, the retry delivered: two POSTs of one message.
    await eventually(
      () => hook.received.length,
      (n) => n >= 2,
      { what: 'the retried alert', timeoutMs: 20_000 },
    );
    await t.app.get(DeadLetterAlerts).settled();
    const [first, retry] = hook.received;
    expect(retry!.body).toBe(first!.body);
    expect(retry!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(retry!.event).toBe('dead_letters');
    expect(retry!.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(retry!.body).digest('hex')}`);
    const message = JSON.parse(retry!.body);
    expect(message).toMatchObject({
      type: 'dead_letters',
      count: 5,
      bySource: { social: 3, event: 2 },
      byTarget: { 'mastodon-0': 1, 'mastodon-1': 1, 'mastodon-2': 1, 'e2ealerts.always-fails': 2 },
    });
    expect(message.samples).toHaveLength(5);
    expect(message.samples).toEqual(
      expect.arrayContaining([
        { source: 'social', target: 'mastodon-0', eventType: null, error: 'HTTP 503' },
        {
          source: 'event',
          target: 'e2ealerts.always-fails',
          eventType: 'test.ThingHappened',
          error: 'broken on purpose',
        },
      ]),
    );
    // Never a payload.
    expect(retry!.body).not.toContain('"payload"');

    expect(await metric('heyblue_dead_lettered_total', 'source="event"')).toBe(before + 2);
    expect(await metric('heyblue_dead_lettered_total', 'source="social"')).toBeGreaterThanOrEqual(3);
    expect(await metric('heyblue_alert_webhook_total', 'outcome="sent"')).toBe(1);

    // A later dead letter opens a new burst: one more message, not one per letter.
    await store.record({ source: 'push', target: 'fcm', payload: {}, error: 'gone', attempts: 3 });
    await store.record({ source: 'push', target: 'fcm', payload: {}, error: 'gone', attempts: 3 });
    await eventually(
      () => hook.received.length,
      (n) => n === 3,
      { what: 'the second burst', timeoutMs: 10_000 },
    );
    await new Promise((r) => setTimeout(r, 4_500));
    expect(hook.received).toHaveLength(3);
    expect(JSON.parse(hook.received[2]!.body)).toMatchObject({ count: 2, bySource: { push: 2 } });
  });
});

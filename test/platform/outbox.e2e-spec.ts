import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Injectable, Module, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DeadLetterService,
  DomainError,
  EventConsumers,
  OutboxRelay,
  OutboxService,
  PlatformModule,
  PrismaService,
  QueueFactory,
  STALLED_TOO_OFTEN,
} from '@heyblue/platform';
import { stallUntilGivenUp } from '../support/bull-stall.js';
import { eventually } from '../support/poll.js';
import { RedisProxy } from '../support/redis-proxy.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { ThingHappened } from './fixtures/outbox-events.js';

const HANDLERS = ['testa.record', 'testb.record', 'testc.flaky'] as const;

@Injectable()
class Recorder implements OnModuleInit {
  readonly calls = new Map<string, string[]>();
  readonly failing = new Set<string>();
  /** Events every handler fails on (a poison event). */
  readonly poison = new Set<string>();
  /** `<handler>:<event>` per after-commit hook run (what a socket push would be). */
  readonly sideEffects: string[] = [];

  constructor(private readonly consumers: EventConsumers) {}

  onModuleInit(): void {
    for (const id of HANDLERS) {
      this.consumers.subscribe(id, ThingHappened, async (event, tx) => {
        await tx.$executeRaw`INSERT INTO test_effect (handler_id, event_id) VALUES (${id}, ${event.id}::uuid)`;
        if (this.failing.has(id)) throw new Error(`${id} is failing on purpose`);
        if (this.poison.has(event.id)) throw new Error(`event ${event.id} is poison`);
        this.calls.set(id, [...(this.calls.get(id) ?? []), event.id]);
        this.consumers.afterCommit(tx, () => this.sideEffects.push(`${id}:${event.id}`));
      });
    }
  }

  count(handler: string, eventId: string): number {
    return (this.calls.get(handler) ?? []).filter((id) => id === eventId).length;
  }
}

/** A handler with a set-based batch form, recording the calls of each form by event id. */
@Injectable()
class BatchedRecorder implements OnModuleInit {
  readonly single: string[] = [];
  readonly batches: string[][] = [];

  constructor(private readonly consumers: EventConsumers) {}

  onModuleInit(): void {
    const id = 'testd.batched';
    this.consumers.subscribe(
      id,
      ThingHappened,
      async (event, tx) => {
        await tx.$executeRaw`INSERT INTO test_effect (handler_id, event_id) VALUES (${id}, ${event.id}::uuid)`;
        this.single.push(event.id);
      },
      {
        batch: async (events, tx) => {
          await tx.$executeRaw`INSERT INTO test_effect (handler_id, event_id) SELECT ${id}, unnest(${events.map((e) => e.id)}::uuid[])`;
          this.batches.push(events.map((e) => e.id));
        },
      },
    );
  }
}

async function startContext(
  env: Record<string, string>,
  providers: Array<new (...args: never[]) => unknown> = [Recorder],
): Promise<INestApplicationContext> {
  @Module({ imports: [PlatformModule.forRoot({ env })], providers })
  class OutboxTestModule {}
  const ctx = await NestFactory.createApplicationContext(OutboxTestModule, { logger: false });
  await ctx.init();
  return ctx;
}

async function prepare(te: TestEnv): Promise<void> {
  const ctx = await NestFactory.createApplicationContext(
    PlatformModule.forRoot({
      env: { ...te.env, OUTBOX_RELAY_ENABLED: 'false', EVENT_WORKERS_ENABLED: 'false' },
    }),
    { logger: false },
  );
  const prisma = ctx.get(PrismaService);
  // Test-only tables in this file's own database: a state change and the handlers' effects.
  await prisma.$executeRawUnsafe(`CREATE TABLE test_state (id uuid PRIMARY KEY, n int NOT NULL)`);
  await prisma.$executeRawUnsafe(
    `CREATE TABLE test_effect (handler_id text NOT NULL, event_id uuid NOT NULL)`,
  );
  await ctx.close();
}

async function commit(ctx: INestApplicationContext, n: number): Promise<ThingHappened> {
  const prisma = ctx.get(PrismaService);
  const outbox = ctx.get(OutboxService);
  const event = new ThingHappened({ n });
  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`INSERT INTO test_state (id, n) VALUES (${event.id}::uuid, ${n})`;
    await outbox.publish(tx, event);
  });
  outbox.kick();
  return event;
}

/** Several events committed in one transaction (one relay pass then queues them together). */
async function commitMany(ctx: INestApplicationContext, events: ThingHappened[]): Promise<ThingHappened[]> {
  const prisma = ctx.get(PrismaService);
  const outbox = ctx.get(OutboxService);
  await prisma.$transaction(async (tx) => {
    for (const e of events)
      await tx.$executeRaw`INSERT INTO test_state (id, n) VALUES (${e.id}::uuid, ${e.payload.n})`;
    await outbox.publish(tx, ...events);
  });
  outbox.kick();
  return events;
}

const allThree = (e: Record<string, number>) =>
  e['testa.record'] === 1 && e['testb.record'] === 1 && e['testc.flaky'] === 1;

async function effects(ctx: INestApplicationContext, eventId: string): Promise<Record<string, number>> {
  const rows = await ctx.get(PrismaService).$queryRaw<Array<{ handler_id: string; n: bigint }>>`
    SELECT e.handler_id, count(*) AS n FROM test_effect e
    JOIN platform_processed_event p ON p.handler_id = e.handler_id AND p.event_id = e.event_id
    WHERE e.event_id = ${eventId}::uuid GROUP BY e.handler_id`;
  return Object.fromEntries(rows.map((r) => [r.handler_id, Number(r.n)]));
}

describe('outbox: durable integration events', () => {
  describe('with one healthy instance', () => {
    let te: TestEnv;
    let ctx: INestApplicationContext;
    let recorder: Recorder;

    beforeAll(async () => {
      te = await createTestEnv({ EVENT_MAX_ATTEMPTS: '3', EVENT_BACKOFF_MS: '20' });
      await prepare(te);
      ctx = await startContext(te.env);
      recorder = ctx.get(Recorder);
    });
    afterAll(async () => {
      await ctx.close();
      await te.drop();
    });

    it('(a) delivers an event committed with its state change to every subscriber exactly once in effect', async () => {
      const event = await commit(ctx, 1);
      await eventually(
        () => effects(ctx, event.id),
        (e) => e['testa.record'] === 1 && e['testb.record'] === 1 && e['testc.flaky'] === 1,
        {
          what: 'all three handlers applied the event',
        },
      );
      const row = await ctx.get(PrismaService).outboxEvent.findUnique({ where: { id: event.id } });
      expect(row?.dispatchedAt).toBeInstanceOf(Date);
      expect(row).toMatchObject({ type: 'test.ThingHappened', version: 1, payload: { n: 1 } });

      // Redeliver the same event (as a stalled bull job or a second relay would): no second effect.
      const queue = ctx.get(QueueFactory).get('events.testa');
      const dup = await queue.add(
        { handlerId: 'testa.record', event: event.toEnvelope() },
        { jobId: `${event.id}:again` },
      );
      await eventually(
        () => dup.getState(),
        (s) => s === 'completed',
        { what: 'redelivered job completed' },
      );
      expect(recorder.count('testa.record', event.id)).toBe(1);
      expect(await effects(ctx, event.id)).toEqual({
        'testa.record': 1,
        'testb.record': 1,
        'testc.flaky': 1,
      });
    });

    it('(b) publishes nothing when the transaction rolls back', async () => {
      const prisma = ctx.get(PrismaService);
      const outbox = ctx.get(OutboxService);
      const doomed = new ThingHappened({ n: 2 });
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$executeRaw`INSERT INTO test_state (id, n) VALUES (${doomed.id}::uuid, 2)`;
          await outbox.publish(tx, doomed);
          throw new Error('business rule broken after publishing');
        }),
      ).rejects.toThrow('business rule broken');
      // A later event goes through, so the relay has passed over the point where the doomed one would be.
      const later = await commit(ctx, 3);
      // Wait for every handler, not just one: a delivery still in flight would meet test (d)'s failing handler.
      await eventually(
        () => effects(ctx, later.id),
        (e) => e['testa.record'] === 1 && e['testb.record'] === 1 && e['testc.flaky'] === 1,
        {
          what: 'all three handlers applied the later event',
        },
      );
      expect(await prisma.outboxEvent.count({ where: { id: doomed.id } })).toBe(0);
      expect(
        await prisma.$queryRaw<unknown[]>`SELECT 1 FROM test_state WHERE id = ${doomed.id}::uuid`,
      ).toHaveLength(0);
      expect(recorder.count('testa.record', doomed.id)).toBe(0);
      expect(await effects(ctx, doomed.id)).toEqual({});
    });

    it('(d) dead-letters an event whose consumer keeps failing, and replay delivers it once fixed', async () => {
      recorder.failing.add('testc.flaky');
      const event = await commit(ctx, 4);
      const dead = ctx.get(DeadLetterService);
      const letter = await eventually(
        async () => (await dead.list({ pendingOnly: true })).items.find((d) => d.eventId === event.id),
        Boolean,
        { what: 'a dead letter for the event' },
      );
      expect(letter).toMatchObject({
        source: 'event',
        target: 'testc.flaky',
        eventType: 'test.ThingHappened',
        attempts: 3,
        replayedAt: null,
      });
      expect(letter!.error).toContain('failing on purpose');
      // The healthy consumers were not held back by the failing one.
      await eventually(
        () => effects(ctx, event.id),
        (e) => e['testa.record'] === 1 && e['testb.record'] === 1,
      );
      expect((await effects(ctx, event.id))['testc.flaky']).toBeUndefined();

      recorder.failing.delete('testc.flaky');
      await dead.replay(letter!.id);
      await eventually(
        () => recorder.count('testc.flaky', event.id),
        (n) => n === 1,
        { what: 'replayed delivery' },
      );
      expect(await effects(ctx, event.id)).toEqual({
        'testa.record': 1,
        'testb.record': 1,
        'testc.flaky': 1,
      });

      const again = dead.replay(letter!.id);
      await expect(again).rejects.toBeInstanceOf(DomainError);
      await expect(dead.replay(letter!.id)).rejects.toMatchObject({ code: 'ALREADY_REPLAYED', status: 409 });
      await expect(dead.replay('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
        status: 404,
      });
      expect(await dead.countPending()).toBe(0);
    });

    it('(f) dead-letters an event whose job bull gave up because its worker stalled, and replay delivers it', async () => {
      const queue = ctx.get(QueueFactory).get('events.testa');
      const event = new ThingHappened({ n: 6 });
      const jobId = `${event.id}:testa.record`;
      const opts = ctx.get(EventConsumers).jobOptions(jobId);
      expect(
        await stallUntilGivenUp(queue, te.env, () =>
          queue.add({ handlerId: 'testa.record', event: event.toEnvelope() }, opts),
        ),
      ).toBe(jobId);

      const dead = ctx.get(DeadLetterService);
      const letter = await eventually(
        async () => (await dead.list({ pendingOnly: true })).items.find((d) => d.eventId === event.id),
        Boolean,
        { what: 'a dead letter for the stalled job' },
      );
      expect(letter).toMatchObject({
        source: 'event',
        target: 'testa.record',
        eventType: 'test.ThingHappened',
      });
      expect(letter!.error).toContain(STALLED_TOO_OFTEN);
      expect(recorder.count('testa.record', event.id)).toBe(0);
      await dead.replay(letter!.id);
      await eventually(
        () => recorder.count('testa.record', event.id),
        (n) => n === 1,
        { what: 'replayed delivery' },
      );
      expect(await dead.countPending()).toBe(0);
    });

    it('(g) queues the events of one relay pass as one batch job per consumer, each applied once in effect', async () => {
      const events = await commitMany(
        ctx,
        Array.from({ length: 20 }, (_, k) => new ThingHappened({ n: 100 + k })),
      );
      for (const e of events)
        await eventually(() => effects(ctx, e.id), allThree, {
          what: `all three handlers applied event ${e.payload.n}`,
        });
      const completed = await ctx.get(QueueFactory).get('events.testb').getJobs(['completed']);
      const batch = completed.find(
        (j) =>
          'batch' in j.data &&
          j.data.batch.some((d: { event: { id: string } }) => d.event.id === events[0]!.id),
      );
      expect(batch?.data.batch.map((d: { event: { id: string } }) => d.event.id)).toEqual(
        events.map((e) => e.id),
      );
      for (const e of events) expect(recorder.count('testb.record', e.id)).toBe(1);
    });

    it('(h) a batch with a poison event hands its deliveries on one by one: the others apply, the poison is dead-lettered alone', async () => {
      const events = [200, 201, 202, 203, 204].map((n) => new ThingHappened({ n }));
      const poison = events[2]!;
      recorder.poison.add(poison.id);
      await commitMany(ctx, events);
      const dead = ctx.get(DeadLetterService);
      const letters = await eventually(
        async () => (await dead.list({ pendingOnly: true })).items.filter((d) => d.eventId === poison.id),
        (l) => l.length === 3,
        { what: 'a dead letter of the poison event for each handler' },
      );
      expect(letters.map((l) => l.target).sort()).toEqual([...HANDLERS].sort());
      for (const l of letters)
        expect(l).toMatchObject({ attempts: 3, error: expect.stringContaining('is poison') });
      for (const e of events.filter((e) => e !== poison))
        await eventually(() => effects(ctx, e.id), allThree, { what: `event ${e.payload.n} applied` });
      expect(await effects(ctx, poison.id)).toEqual({});
      expect((await dead.list({ pendingOnly: true })).items.filter((d) => d.eventId !== poison.id)).toEqual(
        [],
      );

      recorder.poison.delete(poison.id);
      for (const l of letters) await dead.replay(l.id);
      await eventually(() => effects(ctx, poison.id), allThree, { what: 'replayed poison event applied' });
      // Once in effect (the handlers' writes); a handler's call inside the rolled-back batch left none.
      for (const e of events)
        expect(await effects(ctx, e.id)).toEqual({ 'testa.record': 1, 'testb.record': 1, 'testc.flaky': 1 });
      // The handlers ran for the events ahead of the poison twice (in the batch, then alone), but
      // their after-commit side effects happened once: the rolled-back batch's were dropped.
      expect(recorder.count('testa.record', events[0]!.id)).toBe(2);
      for (const e of events)
        for (const h of HANDLERS)
          expect(recorder.sideEffects.filter((x) => x === `${h}:${e.id}`)).toHaveLength(1);
      expect(await dead.countPending()).toBe(0);
    });

    it('(k) delivers a row committed late below rows already dispatched (its transaction began first)', async () => {
      const prisma = ctx.get(PrismaService);
      const late = new ThingHappened({ n: 500 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let written!: () => void;
      const inserted = new Promise<void>((r) => (written = r));
      const lateTx = prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`INSERT INTO test_state (id, n) VALUES (${late.id}::uuid, 500)`;
          await ctx.get(OutboxService).publish(tx, late);
          written();
          await gate;
        },
        { timeout: 20_000 },
      );
      await inserted;
      // A later row commits and is dispatched first: the relay has now passed above the late row's seq.
      const early = await commit(ctx, 501);
      await eventually(() => effects(ctx, early.id), allThree, { what: 'the early row delivered' });
      release();
      await lateTx;
      ctx.get(OutboxService).kick();
      await eventually(() => effects(ctx, late.id), allThree, { what: 'the late row delivered' });
      const seqs = await prisma.outboxEvent.findMany({
        where: { id: { in: [late.id, early.id] } },
        orderBy: { seq: 'asc' },
        select: { id: true },
      });
      expect(seqs.map((r) => r.id)).toEqual([late.id, early.id]);
    });

    it('(i) dead-letters every delivery of a batch job bull gave up because its worker stalled', async () => {
      const queue = ctx.get(QueueFactory).get('events.testa');
      const events = [new ThingHappened({ n: 300 }), new ThingHappened({ n: 301 })];
      const jobId = `batch:test:${events[0]!.id}`;
      const opts = ctx.get(EventConsumers).jobOptions(jobId);
      const batch = { batch: events.map((e) => ({ handlerId: 'testa.record', event: e.toEnvelope() })) };
      expect(await stallUntilGivenUp(queue, te.env, () => queue.add(batch, opts))).toBe(jobId);
      const dead = ctx.get(DeadLetterService);
      const letters = await eventually(
        async () =>
          (await dead.list({ pendingOnly: true })).items.filter((d) =>
            events.some((e) => e.id === d.eventId),
          ),
        (l) => l.length === 2,
        { what: 'a dead letter per delivery of the stalled batch' },
      );
      for (const l of letters)
        expect(l).toMatchObject({
          target: 'testa.record',
          error: expect.stringContaining(STALLED_TOO_OFTEN),
        });
      for (const l of letters) await dead.replay(l.id);
      for (const e of events)
        await eventually(
          () => recorder.count('testa.record', e.id),
          (n) => n === 1,
          { what: 'replayed delivery' },
        );
      expect(await dead.countPending()).toBe(0);
    });
  });

  describe('with a set-based batch handler', () => {
    let te: TestEnv;
    let ctx: INestApplicationContext;
    let batched: BatchedRecorder;

    beforeAll(async () => {
      te = await createTestEnv();
      await prepare(te);
      ctx = await startContext(te.env, [BatchedRecorder]);
      batched = ctx.get(BatchedRecorder);
    });
    afterAll(async () => {
      await ctx.close();
      await te.drop();
    });

    it('(j) hands a batch handler the fresh deliveries of a batch in one call, in order; single deliveries use the plain handler', async () => {
      const appliedOnce = async (e: ThingHappened) => (await effects(ctx, e.id))['testd.batched'] === 1;
      const events = await commitMany(
        ctx,
        Array.from({ length: 10 }, (_, k) => new ThingHappened({ n: 400 + k })),
      );
      for (const e of events)
        await eventually(() => appliedOnce(e), Boolean, {
          what: `batched handler applied event ${e.payload.n}`,
        });
      expect(batched.batches).toContainEqual(events.map((e) => e.id));
      expect(batched.single).toEqual([]);

      // A batch job carrying one delivery already applied and a new one: only the new one is handed over.
      const queue = ctx.get(QueueFactory).get('events.testd');
      const fresh = new ThingHappened({ n: 410 });
      const delivery = (e: ThingHappened) => ({ handlerId: 'testd.batched', event: e.toEnvelope() });
      await queue.add(
        { batch: [delivery(events[0]!), delivery(fresh)] },
        ctx.get(EventConsumers).jobOptions(`batch:test:${fresh.id}`),
      );
      await eventually(() => appliedOnce(fresh), Boolean, {
        what: 'the fresh delivery of the redelivered batch',
      });
      expect(batched.batches.at(-1)).toEqual([fresh.id]);

      const single = new ThingHappened({ n: 411 });
      await queue.add(delivery(single), ctx.get(EventConsumers).jobOptions(`${single.id}:testd.batched`));
      await eventually(() => appliedOnce(single), Boolean, { what: 'the single delivery' });
      expect(batched.single).toEqual([single.id]);
      for (const e of [...events, fresh, single]) expect((await effects(ctx, e.id))['testd.batched']).toBe(1);
    });
  });

  it('(c) delivers after restart when the committing process is SIGKILLed between commit and dispatch', async () => {
    const te = await createTestEnv();
    await prepare(te);
    const child = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'test/platform/fixtures/commit-then-hang.ts'],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          ...te.env,
          OUTBOX_RELAY_ENABLED: 'false',
          EVENT_WORKERS_ENABLED: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const eventId = await eventually(() => /committed ([0-9a-f-]{36})/.exec(out)?.[1], Boolean, {
      timeoutMs: 45_000,
      what: `child commit (stderr: ${err.slice(-500)})`,
    });
    child.kill('SIGKILL');
    await once(child, 'exit');

    const restarted = await startContext(te.env);
    try {
      const prisma = restarted.get(PrismaService);
      await eventually(
        () => effects(restarted, eventId!),
        (e) => e['testa.record'] === 1 && e['testb.record'] === 1 && e['testc.flaky'] === 1,
        {
          what: 'delivery after restart',
        },
      );
      const row = await prisma.outboxEvent.findUniqueOrThrow({ where: { id: eventId! } });
      expect(row.dispatchedAt).toBeInstanceOf(Date);
      expect(row.payload).toEqual({ n: 42, note: 'committed before crash' });
    } finally {
      await restarted.close();
      await te.drop();
    }
  });

  it('(e) keeps events while Redis is unreachable and delivers them when it returns', async () => {
    const proxy = await RedisProxy.start();
    const te = await createTestEnv(proxy.env);
    await prepare(te);
    const ctx = await startContext(te.env);
    try {
      const recorder = ctx.get(Recorder);
      const before = await commit(ctx, 5);
      await eventually(
        () => recorder.count('testa.record', before.id),
        (n) => n === 1,
        { what: 'delivery before the outage' },
      );

      proxy.cut();
      const relay = ctx.get(OutboxRelay);
      const failedBefore = relay.failedPasses;
      const during = await commit(ctx, 6);
      // The relay tries, fails (queue unreachable) and leaves the row for a later pass.
      await eventually(
        () => relay.failedPasses,
        (n) => n > failedBefore,
        { timeoutMs: 20_000, what: 'a failed relay pass' },
      );
      const row = await ctx.get(PrismaService).outboxEvent.findUniqueOrThrow({ where: { id: during.id } });
      expect(row.dispatchedAt).toBeNull();
      expect(recorder.count('testa.record', during.id)).toBe(0);

      proxy.restore();
      await eventually(
        () => effects(ctx, during.id),
        (e) => e['testa.record'] === 1 && e['testb.record'] === 1 && e['testc.flaky'] === 1,
        {
          timeoutMs: 30_000,
          what: 'delivery after Redis returned',
        },
      );
      const after = await ctx.get(PrismaService).outboxEvent.findUniqueOrThrow({ where: { id: during.id } });
      expect(after.dispatchedAt).toBeInstanceOf(Date);
    } finally {
      await ctx.close();
      await proxy.stop();
      await te.drop();
    }
  });
});
